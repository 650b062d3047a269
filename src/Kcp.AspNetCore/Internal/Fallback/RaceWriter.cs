using System.Buffers;
using System.IO.Pipelines;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// The application's output during a <see cref="TransportRace"/>. Before the decision every byte is kept (the first
/// flight) and what is flushed goes to KCP at once; a winning fallback gets the flight replayed, a winning KCP only
/// what it has not had yet. Then the writer hands every call to the winner's own writer: after the first exchange a
/// connection costs one delegating call per write, and none at all through <see cref="TransportRace.DirectPipe"/>.
/// </summary>
internal sealed class RaceWriter(TransportRace race) : PipeWriter
{
    // Past this many bytes before the decision the application waits for it (KCP already has the first of them).
    private const int MaxFlight = 64 * 1024;

    private readonly Lock _lock = new();
    private ArrayBufferWriter<byte>? _flight = new(256);
    private int _forwarded;
    private int _replayed;
    private volatile PipeWriter? _direct;
    private bool _memoryOut;
    private bool _completed;
    private Exception? _completion;

    /// <summary>True once every call goes straight to the winner.</summary>
    public bool IsDirect => _direct is not null;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_direct is { } direct)
        {
            return direct.GetMemory(sizeHint);
        }

        lock (_lock)
        {
            if (_direct is { } switched)
            {
                return switched.GetMemory(sizeHint);
            }

            _memoryOut = true;
            return _flight!.GetMemory(sizeHint);
        }
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (_direct is { } direct && !_memoryOut)
        {
            direct.Advance(bytes);
            return;
        }

        lock (_lock)
        {
            _memoryOut = false;
            _flight!.Advance(bytes);
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        => _direct is { } direct && _flight is null ? direct.FlushAsync(cancellationToken) : FlushRacingAsync(cancellationToken);

    public override void CancelPendingFlush()
    {
        if (_direct is { } direct)
        {
            direct.CancelPendingFlush();
        }
        else
        {
            race.Kcp.Pipe.Output.CancelPendingFlush();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (_direct is { } direct && _flight is null)
        {
            direct.Complete(exception);
            return;
        }

        lock (_lock)
        {
            _completed = true;
            _completion = exception;
            if (race.Winner.IsCompletedSuccessfully && _flight is { } flight)
            {
                // Decided, not switched yet: what the winner has not had goes now, then its end.
                RaceCandidate winner = race.Winner.Result;
                PipeWriter output = winner.Pipe.Output;
                output.Write(flight.WrittenSpan[(ReferenceEquals(winner, race.Kcp) ? _forwarded : _replayed)..]);
                output.Complete(exception);
                _flight = null;
                _direct = output;
            }
        }
    }

    /// <summary>Sends the first flight (what KCP got) to the winning fallback, before any later byte.</summary>
    public async ValueTask ReplayAsync(PipeWriter fallback)
    {
        lock (_lock)
        {
            _replayed = _forwarded;
            fallback.Write(_flight!.WrittenSpan[.._replayed]);
        }

        await fallback.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Called once the winner is known: when the application holds no memory of the flight and the winner has all of
    /// it, later calls go straight to the winner. A writer completed before the decision completes the winner's.
    /// </summary>
    public void SwitchIfIdle(RaceCandidate winner, RaceCandidate kcp)
    {
        PipeWriter output = winner.Pipe.Output;
        lock (_lock)
        {
            ArrayBufferWriter<byte>? flight = _flight;
            int sent = ReferenceEquals(winner, kcp) ? _forwarded : _replayed;
            if (flight is null || _memoryOut || (flight.WrittenCount != sent && !_completed))
            {
                return;
            }

            if (_completed)
            {
                output.Write(flight.WrittenSpan[sent..]);
                output.Complete(_completion);
            }

            _flight = null;
            _direct = output;
        }
    }

    private async ValueTask<FlushResult> FlushRacingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            PipeWriter? kcp = null;
            lock (_lock)
            {
                if (_flight is null)
                {
                    break;
                }

                if (!race.IsDecided && _flight.WrittenCount <= MaxFlight)
                {
                    kcp = race.Kcp.Pipe.Output;
                    kcp.Write(_flight.WrittenSpan[_forwarded..]);
                    _forwarded = _flight.WrittenCount;
                }
            }

            if (kcp is null)
            {
                break;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, race.Ended);
            try
            {
                FlushResult result = await kcp.FlushAsync(linked.Token).ConfigureAwait(false);

                // KCP's end (it lost, or its session died) is not this writer's: the fallback may still carry the bytes.
                return new FlushResult(result.IsCanceled, isCompleted: false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The race ended, or KCP's writer failed: the bytes are kept and go to the winner below.
                break;
            }
        }

        RaceCandidate winner = await race.Winner.WaitAsync(cancellationToken).ConfigureAwait(false);
        PipeWriter output = winner.Pipe.Output;
        lock (_lock)
        {
            if (_flight is { } flight)
            {
                int sent = ReferenceEquals(winner, race.Kcp) ? _forwarded : _replayed;
                output.Write(flight.WrittenSpan[sent..]);
                _flight = null;
                _direct = output;
            }
        }

        return await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
