using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// The session's input as Kestrel expects it: an abnormal end of the session (dead link, idle timeout, listener
/// closed) surfaces as <see cref="ConnectionResetException"/>, the error every Kestrel protocol treats as "the peer
/// went away". Everything else passes through untouched.
/// </summary>
internal sealed class KcpSessionInputReader(PipeReader inner, Action<KcpCloseReason> onReset) : PipeReader
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
        catch (KcpSessionClosedException e)
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
        catch (KcpSessionClosedException e)
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
        catch (KcpSessionClosedException e)
        {
            throw Reset(e);
        }
    }

    private ConnectionResetException Reset(KcpSessionClosedException e)
    {
        onReset(e.Reason);
        return new ConnectionResetException(e.Message, e);
    }
}
