using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>One transport in a race: its pipes, its name, and how to end it.</summary>
/// <param name="Name">The transport name (<see cref="TransportSelection.Kcp"/>, <c>websockets</c>, <c>tcp</c>...).</param>
/// <param name="Pipe">Its duplex pipe.</param>
/// <param name="Connection">The connection it is, when it is one (a KCP connection, SignalR's HTTP connection).</param>
/// <param name="Dispose">Closes it gracefully (the winner, when the connection ends).</param>
/// <param name="Abort">Ends it at once (the loser).</param>
internal sealed record RaceCandidate(string Name, IDuplexPipe Pipe, ConnectionContext? Connection, Func<ValueTask> Dispose, Action<Exception> Abort)
{
    /// <summary>The connection's features, if it is a connection.</summary>
    public IFeatureCollection? Features => Connection?.Features;

    /// <summary>A connection as a candidate: its transport, disposal and abort.</summary>
    public static RaceCandidate For(string name, ConnectionContext connection) => new(
        name,
        connection.Transport,
        connection,
        connection.DisposeAsync,
        e => connection.Abort(e as ConnectionAbortedException ?? new ConnectionAbortedException(e.Message, e)));

    /// <summary>Ends the loser at once and releases it.</summary>
    public async ValueTask AbortAndDisposeAsync(Exception reason)
    {
        try
        {
            Abort(reason);
        }
        finally
        {
            await Dispose().ConfigureAwait(false);
        }
    }
}
