using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// An smux stream's input as Kestrel expects it: the end of the smux session under the stream (KCP session lost,
/// keep-alive timeout, protocol error) surfaces as <see cref="ConnectionResetException"/>, as the KCP session's own end
/// does for whole-session connections (<see cref="KcpSessionInputReader"/>).
/// </summary>
internal sealed class SmuxStreamInputReader(PipeReader inner, Action<KcpSmuxCloseReason> onReset) : PipeReader
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
        catch (KcpSmuxSessionClosedException e)
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
        catch (KcpSmuxSessionClosedException e)
        {
            throw Reset(e);
        }

        return read.IsCompletedSuccessfully ? read : AwaitRead(read);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitRead(ValueTask<ReadResult> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (KcpSmuxSessionClosedException e)
        {
            throw Reset(e);
        }
    }

    private ConnectionResetException Reset(KcpSmuxSessionClosedException e)
    {
        onReset(e.Reason);
        return new ConnectionResetException(e.Message, e);
    }
}
