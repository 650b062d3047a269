using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// What every connection of this transport is to Kestrel, whatever carries it (a whole KCP session or an smux stream):
/// the id, the pipes, the items, the end points and the memory pool, served as features by the context itself, so a
/// connection costs one feature dictionary and nothing more; and abort and dispose, each run once.
/// </summary>
/// <remarks>IConnectionInherentKeepAliveFeature is deliberately absent: KCP has no keep-alive, so SignalR must keep pinging.</remarks>
internal abstract class TransportConnectionContext
    : ConnectionContext,
      IConnectionIdFeature,
      IConnectionTransportFeature,
      IConnectionItemsFeature,
      IConnectionLifetimeFeature,
      IConnectionEndPointFeature,
      IMemoryPoolFeature
{
    private IDictionary<object, object?>? _items;
    private int _aborted;
    private int _disposed;

    /// <summary>Serves the common features; the end points are those of the carrier.</summary>
    protected TransportConnectionContext(CancellationToken closed, EndPoint? local, EndPoint? remote, MemoryPool<byte> memoryPool)
    {
        ConnectionId = KcpConnectionId.Next();
        ConnectionClosed = closed;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        MemoryPool = memoryPool;
        FeatureSet.Set<IConnectionIdFeature>(this);
        FeatureSet.Set<IConnectionTransportFeature>(this);
        FeatureSet.Set<IConnectionItemsFeature>(this);
        FeatureSet.Set<IConnectionLifetimeFeature>(this);
        FeatureSet.Set<IConnectionEndPointFeature>(this);
        FeatureSet.Set<IMemoryPoolFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => FeatureSet;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    // Every derived constructor sets it: its input reader reports resets through the connection, which must exist first.
    public override IDuplexPipe Transport { get; set; } = null!;

    public override CancellationToken ConnectionClosed { get; set; }

    // Real IPEndPoints, not KcpEndPoints: HttpContext.Connection.RemoteIpAddress, rate limiting and logs expect IPs.
    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>The features; derived connections add their own.</summary>
    protected FeatureCollection FeatureSet { get; } = new();

    /// <inheritdoc/>
    public sealed override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            OnAbort(abortReason);
        }
    }

    /// <inheritdoc/>
    public sealed override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await OnDisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The first abort: ends the carrier at once; the application's reads fail with <paramref name="abortReason"/>.</summary>
    protected abstract void OnAbort(ConnectionAbortedException? abortReason);

    /// <summary>The first dispose: closes the carrier gracefully.</summary>
    protected abstract ValueTask OnDisposeAsync();
}
