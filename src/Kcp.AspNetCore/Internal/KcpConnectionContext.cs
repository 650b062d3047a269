using System.Buffers;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// One KCP session as a Kestrel/Bedrock connection. Used on both sides: the listener adapter creates it for accepted
/// sessions, <see cref="KcpConnectionFactory"/> for dialed ones. It adds <see cref="IKcpSessionFeature"/> (see the
/// FeatureCollection part) and <see cref="IKcpDatagramFeature"/> (the Datagrams part) to the features every connection serves.
/// </summary>
internal sealed partial class KcpConnectionContext : TransportConnectionContext
{
    private readonly KcpSession _session;
    private readonly ILogger _logger;
    private readonly Action<KcpConnectionContext>? _onDisposed;

    public KcpConnectionContext(KcpSession session, MemoryPool<byte> memoryPool, ILogger logger, Action<KcpConnectionContext>? onDisposed)
        : base(session.Closed, session.LocalEndPoint, session.RemoteEndPoint, memoryPool)
    {
        _session = session;
        _logger = logger;
        _onDisposed = onDisposed;
        Transport = new KcpDuplexPipe(new ResetInputReader<KcpSessionClosedException>(session.Input, OnReset), session.Output);
        FeatureSet.Set<IKcpSessionFeature>(this);
        FeatureSet.Set<IKcpDatagramFeature>(this);
    }

    /// <summary>The session under this connection.</summary>
    public KcpSession Session => _session;

    /// <summary>Closes the session at once; the application's pending and later reads fail with <paramref name="abortReason"/>.</summary>
    protected override void OnAbort(ConnectionAbortedException? abortReason)
    {
        if (_session.CloseReason == KcpCloseReason.None)
        {
            KcpAspNetCoreLog.ConnectionAborted(_logger, ConnectionId, abortReason?.Message ?? "no reason given");
        }

        // Completes the session's input with the abort reason, so readers see ConnectionAbortedException (as Sockets).
        _session.Abort(abortReason);
    }

    /// <summary>Closes gracefully: waits (at most <see cref="KcpOptions.LingerTimeout"/>) until the peer acknowledged what was written.</summary>
    protected override async ValueTask OnDisposeAsync()
    {
        try
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // Returns any buffered input to the pool; a no-op if the application already completed it.
            await _session.Input.CompleteAsync().ConfigureAwait(false);
            KcpAspNetCoreLog.ConnectionDisposed(_logger, ConnectionId, _session.CloseReason);
            _onDisposed?.Invoke(this);
        }
    }

    private void OnReset(KcpSessionClosedException e) => KcpAspNetCoreLog.ConnectionReset(_logger, ConnectionId, e.Reason);
}
