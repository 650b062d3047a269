using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// One KCP session as a Kestrel/Bedrock connection. Used on both sides: the listener adapter creates it for accepted
/// sessions, <see cref="KcpConnectionFactory"/> for dialed ones. The features it serves are implemented by the
/// context itself (see the FeatureCollection part), so a connection costs one feature dictionary and nothing more.
/// </summary>
internal sealed partial class KcpConnectionContext : ConnectionContext
{
    private readonly KcpSession _session;
    private readonly ILogger _logger;
    private readonly Action<KcpConnectionContext>? _onDisposed;
    private readonly FeatureCollection _features = new();
    private IDictionary<object, object?>? _items;
    private EndPoint? _localEndPoint;
    private EndPoint? _remoteEndPoint;
    private int _aborted;
    private int _disposed;

    public KcpConnectionContext(KcpSession session, MemoryPool<byte> memoryPool, ILogger logger, Action<KcpConnectionContext>? onDisposed)
    {
        _session = session;
        _logger = logger;
        _onDisposed = onDisposed;
        MemoryPool = memoryPool;
        ConnectionId = KcpConnectionId.Next();
        _localEndPoint = session.LocalEndPoint;
        _remoteEndPoint = session.RemoteEndPoint;
        ConnectionClosed = session.Closed;
        Transport = new KcpDuplexPipe(new KcpSessionInputReader(session.Input, OnReset), session.Output);
        InitializeFeatures();
    }

    /// <summary>The session under this connection.</summary>
    public KcpSession Session => _session;

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    // Real IPEndPoints, not KcpEndPoints: HttpContext.Connection.RemoteIpAddress, rate limiting and logs expect IPs.
    public override EndPoint? LocalEndPoint
    {
        get => _localEndPoint;
        set => _localEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _remoteEndPoint;
        set => _remoteEndPoint = value;
    }

    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>Closes the session at once; the application's pending and later reads fail with <paramref name="abortReason"/>.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        if (_session.CloseReason == KcpCloseReason.None)
        {
            KcpAspNetCoreLog.ConnectionAborted(_logger, ConnectionId, abortReason.Message);
        }

        // Completes the session's input with the abort reason, so readers see ConnectionAbortedException (as Sockets).
        _session.Abort(abortReason);
    }

    /// <summary>Closes gracefully: waits (at most <see cref="KcpOptions.LingerTimeout"/>) until the peer acknowledged what was written.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

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

    private void OnReset(KcpCloseReason reason) => KcpAspNetCoreLog.ConnectionReset(_logger, ConnectionId, reason);
}
