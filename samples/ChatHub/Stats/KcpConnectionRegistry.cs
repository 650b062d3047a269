using System.Collections.Concurrent;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;

namespace ChatHubSample.Stats;

/// <summary>
/// The KCP connections currently open on the hub endpoint. A connection middleware in front of <c>UseHub</c> adds
/// each connection for as long as it runs, so the stats endpoint can read every session's statistics.
/// </summary>
internal sealed class KcpConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _connections = new();

    /// <summary>Connections currently open.</summary>
    public int Count => _connections.Count;

    /// <summary>Connection middleware: tracks the connection while the rest of the pipeline (the hub) runs.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        _connections[connection.ConnectionId] = connection;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <summary>Aborts every open KCP connection (used to simulate a dropped link); returns how many were aborted.</summary>
    public int AbortAll(string reason)
    {
        int aborted = 0;
        foreach (ConnectionContext connection in _connections.Values)
        {
            connection.Abort(new ConnectionAbortedException(reason));
            aborted++;
        }

        return aborted;
    }

    /// <summary>Reads the statistics of every open session into <paramref name="target"/> (cleared first).</summary>
    public void Snapshot(List<KcpSessionSnapshot> target)
    {
        target.Clear();
        foreach (ConnectionContext connection in _connections.Values)
        {
            if (connection.Features.Get<IKcpSessionFeature>() is not { } session)
            {
                continue;
            }

            KcpSessionStatistics statistics = session.GetStatistics();
            target.Add(new KcpSessionSnapshot(
                connection.ConnectionId,
                connection.RemoteEndPoint?.ToString() ?? "?",
                session.Conversation,
                statistics));
        }
    }
}
