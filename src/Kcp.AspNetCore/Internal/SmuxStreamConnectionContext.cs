using System.Buffers;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// One smux stream as a Kestrel/Bedrock connection, on both sides. Its features are those of a whole-session
/// connection (<see cref="KcpConnectionContext"/>) plus <see cref="IKcpSmuxStreamFeature"/>; the
/// <see cref="IKcpSessionFeature"/> describes the KCP session the stream shares. Aborting or disposing the connection
/// ends the stream only, never the session.
/// </summary>
internal sealed class SmuxStreamConnectionContext : TransportConnectionContext, IKcpSmuxStreamFeature
{
    private readonly KcpSmuxStream _stream;
    private readonly ILogger _logger;
    private readonly Action<SmuxStreamConnectionContext>? _onDisposed;

    public SmuxStreamConnectionContext(KcpSmuxStream stream, IKcpSessionFeature session, EndPoint local, EndPoint remote, MemoryPool<byte> memoryPool, ILogger logger, Action<SmuxStreamConnectionContext>? onDisposed)
        : base(stream.Closed, local, remote, memoryPool)
    {
        _stream = stream;
        _logger = logger;
        _onDisposed = onDisposed;
        SessionFeature = session;
        Transport = new KcpDuplexPipe(new ResetInputReader<KcpSmuxSessionClosedException>(stream.Input, OnReset), stream.Output);

        // smux's NOPs keep the session alive, not a stream's peer: no IConnectionInherentKeepAliveFeature here either.
        FeatureSet.Set(session);
        FeatureSet.Set<IKcpSmuxStreamFeature>(this);
    }

    /// <summary>The KCP session under the stream.</summary>
    public IKcpSessionFeature SessionFeature { get; }

    uint IKcpSmuxStreamFeature.StreamId => _stream.Id;

    KcpSmuxSession IKcpSmuxStreamFeature.Session => _stream.Session;

    /// <summary>Ends the stream at once (the peer gets FIN); reads fail with <paramref name="abortReason"/>.</summary>
    protected override void OnAbort(ConnectionAbortedException? abortReason)
    {
        // Kestrel passes null when the peer's FIN ended the connection (its FinOnError switch).
        abortReason ??= new ConnectionAbortedException("The connection was aborted after the peer closed its stream.");
        KcpAspNetCoreLog.ConnectionAborted(_logger, ConnectionId, abortReason.Message);
        _stream.Abort(abortReason);
    }

    /// <summary>Closes the stream: its FIN goes out after what was written (or the session ended).</summary>
    protected override async ValueTask OnDisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            KcpAspNetCoreLog.StreamDisposed(_logger, ConnectionId, _stream.Id, _stream.Session.CloseReason);
            _onDisposed?.Invoke(this);
        }
    }

    private void OnReset(KcpSmuxSessionClosedException e) => KcpAspNetCoreLog.StreamReset(_logger, ConnectionId, _stream.Id, e.Reason);
}
