using System.Buffers;
using System.IO.Pipelines;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// The application's input during a <see cref="TransportRace"/>. Before the decision a read watches KCP's input (data
/// there is KCP's answer: KCP wins and the read returns it) and otherwise waits for the winner; after it, every call
/// goes to the winner's own reader.
/// </summary>
internal sealed class RaceReader(TransportRace race) : PipeReader
{
    private volatile PipeReader? _direct;
    private CancellationTokenSource _cancelRead = new();
    private bool _completed;
    private Exception? _completion;

    /// <summary>True once every call goes straight to the winner.</summary>
    public bool IsDirect => _direct is not null;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        => _direct is { } direct ? direct.ReadAsync(cancellationToken) : ReadRacingAsync(cancellationToken);

    public override bool TryRead(out ReadResult result)
    {
        if (_direct is { } direct)
        {
            return direct.TryRead(out result);
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => _direct?.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _direct?.AdvanceTo(consumed, examined);

    public override void CancelPendingRead()
    {
        Volatile.Read(ref _cancelRead).Cancel();
        _direct?.CancelPendingRead();
    }

    public override void Complete(Exception? exception = null)
    {
        if (_direct is { } direct)
        {
            direct.Complete(exception);
            return;
        }

        _completion = exception;
        Volatile.Write(ref _completed, true);
    }

    /// <summary>Called once the winner is known: later calls go to its reader (completed if this one already was).</summary>
    public void Switch(RaceCandidate winner)
    {
        PipeReader input = winner.Pipe.Input;
        if (Volatile.Read(ref _completed))
        {
            input.Complete(_completion);
        }

        _direct = input;
    }

    private async ValueTask<ReadResult> ReadRacingAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource cancelRead = Volatile.Read(ref _cancelRead);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cancelRead.Token);
        PipeReader input;
        try
        {
            if (!race.Winner.IsCompleted && await race.ProbeKcpAsync(linked.Token).ConfigureAwait(false) is { } answer)
            {
                _direct = race.Kcp.Pipe.Input;
                return answer;
            }

            input = (await race.Winner.WaitAsync(linked.Token).ConfigureAwait(false)).Pipe.Input;
            _direct = input;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && cancelRead.IsCancellationRequested)
        {
            // CancelPendingRead: this read ends as cancelled, the next one is a fresh one.
            Interlocked.CompareExchange(ref _cancelRead, new CancellationTokenSource(), cancelRead);
            return new ReadResult(ReadOnlySequence<byte>.Empty, isCanceled: true, isCompleted: false);
        }

        return await input.ReadAsync(cancellationToken).ConfigureAwait(false);
    }
}
