using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// One smux stream as a Kestrel/Bedrock connection, on both sides. Its features are those of a whole-session
/// connection (<see cref="KcpConnectionContext"/>) plus <see cref="IKcpSmuxStreamFeature"/>; the
/// <see cref="IKcpSessionFeature"/> describes the KCP session the stream shares. Aborting or disposing the connection
/// ends the stream only, never the session.
/// </summary>
internal sealed class SmuxStreamConnectionContext
    : ConnectionContext,
      IConnectionIdFeature,
      IConnectionTransportFeature,
      IConnectionItemsFeature,
      IConnectionLifetimeFeature,
      IConnectionEndPointFeature,
      IMemoryPoolFeature,
      IKcpSmuxStreamFeature
{
    private readonly KcpSmuxStream _stream;
    private readonly ILogger _logger;
    private readonly Action<SmuxStreamConnectionContext>? _onDisposed;
    private readonly FeatureCollection _features = new();
    private IDictionary<object, object?>? _items;
    private int _aborted;
    private int _disposed;

    public SmuxStreamConnectionContext(KcpSmuxStream stream, IKcpSessionFeature session, EndPoint local, EndPoint remote, MemoryPool<byte> memoryPool, ILogger logger, Action<SmuxStreamConnectionContext>? onDisposed)
    {
        _stream = stream;
        _logger = logger;
        _onDisposed = onDisposed;
        SessionFeature = session;
        MemoryPool = memoryPool;
        ConnectionId = KcpConnectionId.Next();
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        ConnectionClosed = stream.Closed;
        Transport = new KcpDuplexPipe(new SmuxStreamInputReader(stream.Input, OnReset), stream.Output);

        // IConnectionInherentKeepAliveFeature stays absent: smux's NOPs keep the session alive, not a stream's peer.
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set(session);
        _features.Set<IKcpSmuxStreamFeature>(this);
    }

    /// <summary>The KCP session under the stream.</summary>
    public IKcpSessionFeature SessionFeature { get; }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    uint IKcpSmuxStreamFeature.StreamId => _stream.Id;

    KcpSmuxSession IKcpSmuxStreamFeature.Session => _stream.Session;

    /// <summary>Ends the stream at once (the peer gets FIN); reads fail with <paramref name="abortReason"/>.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        // Kestrel passes null when the peer's FIN ended the connection (its FinOnError switch).
        abortReason ??= new ConnectionAbortedException("The connection was aborted after the peer closed its stream.");
        KcpAspNetCoreLog.ConnectionAborted(_logger, ConnectionId, abortReason.Message);
        _stream.Abort(abortReason);
    }

    /// <summary>Closes the stream: its FIN goes out after what was written (or the session ended).</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

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

    private void OnReset(KcpSmuxCloseReason reason) => KcpAspNetCoreLog.StreamReset(_logger, ConnectionId, _stream.Id, reason);
}
