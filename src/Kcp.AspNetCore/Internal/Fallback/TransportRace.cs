using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// One connection raced over KCP and a fallback, behind one duplex pipe. KCP has no handshake, so the race runs during
/// the connection's first exchange: what the application writes first (a SignalR handshake, an HTTP request, a TLS
/// ClientHello) goes to KCP at once and is kept; reads wait for the decision. KCP wins when a valid datagram of its
/// session comes back (its session counts a received segment, or its input has data). The fallback is dialed once
/// KCP has had the head start without an answer; when it connects first, KCP still gets as long as the fallback took
/// (at most the head start) before the fallback wins, the first flight is replayed to it and the KCP session is
/// aborted. The loser is always closed: no session or socket outlives the race.
/// </summary>
internal sealed class TransportRace : IDuplexPipe
{
    // How often the KCP session's counters are read while it has not answered (a few dozen reads at most).
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    private readonly Func<long> _kcpSegmentsReceived;
    private readonly CancellationToken _kcpClosed;
    private readonly Func<CancellationToken, Task<RaceCandidate>> _connectFallback;
    private readonly TimeSpan _headStart;
    private readonly TimeProvider _time;
    private readonly Action<RaceCandidate, TimeSpan> _onDecided;
    private readonly Action<Exception, bool> _onFailed;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _end = new();
    private readonly TaskCompletionSource<RaceCandidate> _winner = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _startedAt;
    private RaceCandidate? _chosen;
    private Task<RaceCandidate>? _fallbackConnect;
    private volatile bool _kcpAnswered;
    private bool _closed;

    /// <summary>Sets the race up; <see cref="Start"/> runs it.</summary>
    /// <param name="kcp">The KCP candidate, already dialed (nothing sent yet).</param>
    /// <param name="kcpSegmentsReceived">Segments its session received so far: above 0, KCP answered.</param>
    /// <param name="kcpClosed">Fires when its session (or smux stream) ended.</param>
    /// <param name="connectFallback">Dials the fallback; the token ends the attempt when the race is over.</param>
    /// <param name="headStart">How long KCP goes alone.</param>
    /// <param name="time">The clock of the head start and the grace period.</param>
    /// <param name="onDecided">Reports the winner and the time to the decision, once, before readers and writers see it.</param>
    /// <param name="onFailed">Reports the end of an undecided race, once: the error, and whether the connection was closed (rather than both transports failing).</param>
    public TransportRace(
        RaceCandidate kcp,
        Func<long> kcpSegmentsReceived,
        CancellationToken kcpClosed,
        Func<CancellationToken, Task<RaceCandidate>> connectFallback,
        TimeSpan headStart,
        TimeProvider time,
        Action<RaceCandidate, TimeSpan> onDecided,
        Action<Exception, bool> onFailed)
    {
        Kcp = kcp;
        _kcpSegmentsReceived = kcpSegmentsReceived;
        _kcpClosed = kcpClosed;
        _connectFallback = connectFallback;
        _headStart = headStart;
        _time = time;
        _onDecided = onDecided;
        _onFailed = onFailed;
        _startedAt = time.GetTimestamp();
        Writer = new RaceWriter(this);
        Reader = new RaceReader(this);
    }

    /// <summary>The KCP candidate.</summary>
    public RaceCandidate Kcp { get; }

    /// <summary>Completes with the winner once the decision took effect (the first flight replayed to a winning fallback).</summary>
    public Task<RaceCandidate> Winner => _winner.Task;

    /// <summary>Cancelled when the race is over (decided, failed or disposed): ends the probes and the fallback's dial.</summary>
    public CancellationToken Ended => _end.Token;

    /// <summary>True once a winner was chosen (the replay may still be under way).</summary>
    public bool IsDecided
    {
        get
        {
            lock (_lock)
            {
                return _chosen is not null || _closed;
            }
        }
    }

    /// <summary>The winner's own pipe once both ends of this one switched to it (no copy of the first flight left).</summary>
    public IDuplexPipe? DirectPipe => Winner.IsCompletedSuccessfully && Writer.IsDirect && Reader.IsDirect ? Winner.Result.Pipe : null;

    public PipeReader Input => Reader;

    public PipeWriter Output => Writer;

    internal RaceWriter Writer { get; }

    internal RaceReader Reader { get; }

    /// <summary>Runs the race in the background.</summary>
    public void Start() => _ = RunAsync();

    /// <summary>KCP answered (its input had data): it wins unless the fallback already did.</summary>
    public bool TryDecideKcp()
    {
        _kcpAnswered = true;
        Task<RaceCandidate>? fallback;
        lock (_lock)
        {
            if (_chosen is not null || _closed)
            {
                return ReferenceEquals(_chosen, Kcp);
            }

            _chosen = Kcp;
            fallback = _fallbackConnect;
        }

        _end.Cancel();
        DisposeFallbackLater(fallback);
        Complete(Kcp);
        return true;
    }

    /// <summary>
    /// Reads KCP's input before the decision. Data is KCP's answer: it wins and the read is the caller's. Otherwise
    /// (the race ended, KCP's input ended or failed) nothing is consumed or examined, and null says "wait for the winner".
    /// </summary>
    public async ValueTask<ReadResult?> ProbeKcpAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _end.Token);
        PipeReader input = Kcp.Pipe.Input;
        ReadResult result;
        try
        {
            result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The KCP session failed (reset, timed out): the race goes on with the fallback.
            return null;
        }

        if (!result.Buffer.IsEmpty && TryDecideKcp())
        {
            return result;
        }

        input.AdvanceTo(result.Buffer.Start);
        return null;
    }

    /// <summary>Ends the connection at once: both candidates if undecided, else the winner.</summary>
    public void Abort(ConnectionAbortedException reason)
    {
        RaceCandidate? winner = Close(reason);
        winner?.Abort(reason);
    }

    /// <summary>Closes the connection: the winner gracefully; before the decision, both at once.</summary>
    public async ValueTask DisposeAsync()
    {
        RaceCandidate? winner = Close(new ConnectionAbortedException("The connection was disposed before its transport was decided."));
        if (winner is not null)
        {
            try
            {
                // A fallback may be replaying the first flight still: the winner is closed after it.
                await Winner.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The replay failed: the winner was aborted already.
                return;
            }

            await winner.Dispose().ConfigureAwait(false);
        }
    }

    private RaceCandidate? Close(ConnectionAbortedException reason)
    {
        Task<RaceCandidate>? fallback;
        lock (_lock)
        {
            if (_chosen is not null || _closed)
            {
                return _chosen;
            }

            _closed = true;
            fallback = _fallbackConnect;
        }

        // Undecided: nothing may survive the connection.
        _end.Cancel();
        _ = Kcp.AbortAndDisposeAsync(reason).AsTask();
        DisposeFallbackLater(fallback);
        _onFailed(reason, true);
        _winner.TrySetException(reason);
        return null;
    }

    private async Task RunAsync()
    {
        CancellationToken end = _end.Token;
        Task answered = WatchKcpAsync(end);
        Task kcpClosed = WhenCancelled(_kcpClosed);
        try
        {
            await Task.WhenAny(answered, kcpClosed, Task.Delay(_headStart, _time, end)).ConfigureAwait(false);
            if (_kcpAnswered)
            {
                TryDecideKcp();
                return;
            }

            if (end.IsCancellationRequested)
            {
                return;
            }

            long fallbackStartedAt = _time.GetTimestamp();
            Task<RaceCandidate> fallback = StartFallback(end);
            while (!end.IsCancellationRequested)
            {
                if (_kcpAnswered)
                {
                    TryDecideKcp();
                    return;
                }

                if (!fallback.IsCompleted)
                {
                    await Task.WhenAny(answered, _kcpClosed.IsCancellationRequested ? Task.Delay(Timeout.Infinite, end) : kcpClosed, fallback).ConfigureAwait(false);
                    continue;
                }

                if (!fallback.IsCompletedSuccessfully)
                {
                    // The fallback failed: KCP alone, until it answers or its session gives up (ConnectTimeout).
                    await Task.WhenAny(answered, kcpClosed).ConfigureAwait(false);
                    if (_kcpAnswered)
                    {
                        TryDecideKcp();
                    }
                    else
                    {
                        Fail(fallback.Exception?.GetBaseException());
                    }

                    return;
                }

                if (!_kcpClosed.IsCancellationRequested)
                {
                    // A lost first datagram is answered about a round trip later; the fallback's dial measured one.
                    TimeSpan grace = _time.GetElapsedTime(fallbackStartedAt);
                    grace = grace < _headStart ? grace : _headStart;
                    await Task.WhenAny(answered, kcpClosed, Task.Delay(grace, _time, end)).ConfigureAwait(false);
                    if (_kcpAnswered)
                    {
                        TryDecideKcp();
                        return;
                    }
                }

                await DecideFallbackAsync(await fallback.ConfigureAwait(false)).ConfigureAwait(false);
                return;
            }
        }
        catch (Exception e) when (!end.IsCancellationRequested)
        {
            Fail(e);
        }
        catch (OperationCanceledException)
        {
            // Decided elsewhere, or disposed.
        }
    }

    private Task<RaceCandidate> StartFallback(CancellationToken end)
    {
        Task<RaceCandidate> fallback;
        try
        {
            fallback = _connectFallback(end);
        }
        catch (Exception e)
        {
            fallback = Task.FromException<RaceCandidate>(e);
        }

        lock (_lock)
        {
            _fallbackConnect = fallback;
            if (_chosen is null && !_closed)
            {
                return fallback;
            }
        }

        // Decided or disposed while dialing started.
        DisposeFallbackLater(fallback);
        return fallback;
    }

    private async Task DecideFallbackAsync(RaceCandidate fallback)
    {
        lock (_lock)
        {
            if (_chosen is not null || _closed)
            {
                DisposeFallbackLater(Task.FromResult(fallback));
                return;
            }

            _chosen = fallback;
        }

        _end.Cancel();
        try
        {
            await Writer.ReplayAsync(fallback.Pipe.Output).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The fallback closed while the first flight was replayed: the connection fails as its transport would.
            _ = Kcp.AbortAndDisposeAsync(e).AsTask();
            _onFailed(e, false);
            _winner.TrySetException(e);
            await fallback.AbortAndDisposeAsync(e).ConfigureAwait(false);
            return;
        }

        _ = Kcp.AbortAndDisposeAsync(new ConnectionAbortedException($"KCP did not answer within {_headStart.TotalMilliseconds:0} ms; the connection uses {fallback.Name}.")).AsTask();
        Complete(fallback);
    }

    private void Complete(RaceCandidate winner)
    {
        try
        {
            _onDecided(winner, _time.GetElapsedTime(_startedAt));
        }
        finally
        {
            Writer.SwitchIfIdle(winner, Kcp);
            Reader.Switch(winner);
            _winner.TrySetResult(winner);
        }
    }

    private void Fail(Exception? fallbackError)
    {
        lock (_lock)
        {
            if (_chosen is not null || _closed)
            {
                return;
            }

            _closed = true;
        }

        _end.Cancel();
        var error = new ConnectionAbortedException(
            "Neither KCP nor the fallback connected: KCP's session ended without an answer (see KcpOptions.ConnectTimeout) and the fallback failed"
            + (fallbackError is null ? "." : $": {fallbackError.Message}"),
            fallbackError!);
        _ = Kcp.AbortAndDisposeAsync(error).AsTask();
        _onFailed(error, false);
        _winner.TrySetException(error);
    }

    private async Task WatchKcpAsync(CancellationToken end)
    {
        try
        {
            while (!_kcpAnswered)
            {
                if (_kcpSegmentsReceived() > 0)
                {
                    _kcpAnswered = true;
                    return;
                }

                await Task.Delay(PollInterval, _time, end).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The race is over.
        }
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), done);
        return done.Task;
    }

    private static void DisposeFallbackLater(Task<RaceCandidate>? connect)
    {
        if (connect is not null)
        {
            _ = DisposeWhenConnectedAsync(connect);
        }
    }

    private static async Task DisposeWhenConnectedAsync(Task<RaceCandidate> connect)
    {
        RaceCandidate candidate;
        try
        {
            candidate = await connect.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The dial failed or was cancelled: nothing to close.
            return;
        }

        await candidate.AbortAndDisposeAsync(new ConnectionAbortedException("KCP won the race.")).ConfigureAwait(false);
    }
}
