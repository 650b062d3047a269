using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// A connection's input as Kestrel expects it: the abnormal end of what carries it (<typeparamref name="TClosed"/>: the
/// KCP session's dead link, idle timeout or closed listener, or the end of the smux session under a stream) surfaces as
/// <see cref="ConnectionResetException"/>, the error every Kestrel protocol treats as "the peer went away", after
/// <paramref name="onReset"/> logged it. Everything else passes through untouched.
/// </summary>
internal sealed class ResetInputReader<TClosed>(PipeReader inner, Action<TClosed> onReset) : PipeReader
    where TClosed : IOException
{
    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool TryRead(out ReadResult result)
    {
        try
        {
            return inner.TryRead(out result);
        }
        catch (TClosed e)
        {
            throw Reset(e);
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> read;
        try
        {
            read = inner.ReadAsync(cancellationToken);
        }
        catch (TClosed e)
        {
            throw Reset(e);
        }

        // The common case (data already buffered) returns the inner task without a state machine.
        return read.IsCompletedSuccessfully ? read : AwaitRead(read);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitRead(ValueTask<ReadResult> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (TClosed e)
        {
            throw Reset(e);
        }
    }

    private ConnectionResetException Reset(TClosed e)
    {
        onReset(e);
        return new ConnectionResetException(e.Message, e);
    }
}
