using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// A client connection whose transport is KCP or its fallback (SignalR over HTTP). It is returned at once, before
/// the race is decided (KCP has no handshake, the first exchange decides); <see cref="Transport"/> is the race's pipe
/// until both its ends switched to the winner, then the winner's own. The KCP connection is never used once the
/// fallback won, and the loser is closed.
/// </summary>
internal sealed class RacingConnectionContext : ConnectionContext
{
    private readonly TransportRace? _race;
    private readonly RaceCandidate? _decided;
    private readonly RacingFeatureCollection _features;
    private readonly CancellationTokenSource _closed = new();
    private int _disposed;

    /// <summary>A connection whose race runs now.</summary>
    public RacingConnectionContext(TransportRace race, IKcpTransportSelectionFeature selection)
    {
        _race = race;
        _features = new RacingFeatureCollection(race, decided: null);
        _features.Set(selection);
        ConnectionClosed = _closed.Token;
        _ = race.Winner.ContinueWith(
            static (winner, state) => ((RacingConnectionContext)state!).OnDecided(winner),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>A connection decided without racing (a remembered fallback).</summary>
    public RacingConnectionContext(RaceCandidate decided, IKcpTransportSelectionFeature selection, CancellationToken decidedClosed)
    {
        _decided = decided;
        _features = new RacingFeatureCollection(race: null, decided);
        _features.Set(selection);
        ConnectionClosed = _closed.Token;
        decidedClosed.UnsafeRegister(static state => CancelQuietly((CancellationTokenSource)state!), _closed);
    }

    public override string ConnectionId { get; set; } = KcpConnectionId.Next();

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    public override IDuplexPipe Transport
    {
        get => _decided?.Pipe ?? _race!.DirectPipe ?? _race!;
        set => throw new NotSupportedException("The transport of a raced connection is not settable.");
    }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint
    {
        get => WinnerConnection?.LocalEndPoint;
        set => throw new NotSupportedException();
    }

    public override EndPoint? RemoteEndPoint
    {
        get => WinnerConnection?.RemoteEndPoint;
        set => throw new NotSupportedException();
    }

    private ConnectionContext? WinnerConnection
        => (_decided ?? (_race is not null && _race.Winner.IsCompletedSuccessfully ? _race.Winner.Result : null))?.Connection;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (_race is not null)
        {
            _race.Abort(abortReason);
        }
        else
        {
            _decided!.Abort(abortReason);
        }

        CancelQuietly(_closed);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_race is not null)
            {
                await _race.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await _decided!.Dispose().ConfigureAwait(false);
            }
        }
        finally
        {
            CancelQuietly(_closed);
            _closed.Dispose();
        }
    }

    private void OnDecided(Task<RaceCandidate> winner)
    {
        if (!winner.IsCompletedSuccessfully)
        {
            CancelQuietly(_closed);
        }
        else if (winner.Result.Connection is { } connection)
        {
            connection.ConnectionClosed.UnsafeRegister(static state => CancelQuietly((CancellationTokenSource)state!), _closed);
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed with the connection.
        }
    }
}
