namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The application's side of a stream's output pipe. Every flush (and the completion) tells the session's writer that
/// the stream has something to send; the pipe's own thresholds hold the application back while the writer cannot
/// keep up (the KCP session's backpressure, or a closed version-2 window).
/// </summary>
internal sealed class SmuxStreamWriter(SmuxStream stream, PipeWriter inner) : PipeWriter
{
    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        // The bytes are the reader's once FlushAsync was called, even if it then waits: wake the writer first.
        ValueTask<FlushResult> flush = inner.FlushAsync(cancellationToken);
        stream.MarkReady();
        return flush;
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ValueTask<FlushResult> write = inner.WriteAsync(source, cancellationToken);
        stream.MarkReady();
        return write;
    }

    public override void Complete(Exception? exception = null)
    {
        inner.Complete(exception);
        stream.MarkReady();
    }
}
