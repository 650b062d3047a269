using System.Runtime.CompilerServices;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The application's side of a stream's input pipe. It counts what the application consumes, so that the session's
/// receive budget gets its tokens back and, with version 2, the peer hears of the consumed bytes (UPD).
/// </summary>
internal sealed class SmuxStreamReader(SmuxStream stream, PipeReader inner) : PipeReader
{
    // The buffer of the last read, to measure how far AdvanceTo moved. Only the application's one reader touches it.
    private ReadOnlySequence<byte> _last;

    public override bool TryRead(out ReadResult result)
    {
        bool read = inner.TryRead(out result);
        if (read)
        {
            _last = result.Buffer;
        }

        return read;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> read = inner.ReadAsync(cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            ReadResult result = read.Result;
            _last = result.Buffer;
            return new ValueTask<ReadResult>(result);
        }

        return AwaitRead(read);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitRead(ValueTask<ReadResult> read)
    {
        ReadResult result = await read.ConfigureAwait(false);
        _last = result.Buffer;
        return result;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long count = _last.Slice(_last.Start, consumed).Length;
        _last = default;
        inner.AdvanceTo(consumed, examined);
        if (count > 0)
        {
            stream.OnConsumed(count);
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        inner.Complete(exception);
        stream.OnInputCompleted();
    }
}
