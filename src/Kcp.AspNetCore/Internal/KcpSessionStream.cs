using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Kcp.Transport;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// A duplex <see cref="Stream"/> over a <see cref="KcpSession"/> or one of its smux streams, for APIs that want streams
/// (HttpClient, SslStream). Reads copy out of the input pipe; writes go into the output pipe and are flushed at once.
/// Disposing ends pending reads at once and closes the session (or the smux stream) gracefully in the background,
/// bounded by <see cref="KcpOptions.LingerTimeout"/> (or the smux session's life). A reset (the server restarted and
/// does not know the session) reads as the end of the stream, as a server closing an idle keep-alive connection does:
/// HttpClient then retries a request it had not started sending content for on a new connection, which HTTP allows.
/// </summary>
internal sealed class KcpSessionStream : Stream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Func<ValueTask> _close;
    private readonly Func<Exception> _closedError;
    private int _disposed;

    /// <summary>Wraps <paramref name="session"/>; the stream owns it from now on.</summary>
    public KcpSessionStream(KcpSession session)
        : this(session.Input, session.Output, session.DisposeAsync, () => new KcpSessionClosedException(session.CloseReason))
    {
        Session = session;
    }

    /// <summary>Wraps <paramref name="stream"/>; disposing closes the smux stream, never its session, then calls <paramref name="onClosed"/>.</summary>
    public KcpSessionStream(KcpSmuxStream stream, Action onClosed)
        : this(stream.Input, stream.Output, CloseStream(stream, onClosed), () => new IOException($"The smux stream {stream.Id} was closed."))
    {
    }

    /// <summary>A stream over <paramref name="pipe"/> (a raced connection's); disposing calls <paramref name="close"/>.</summary>
    public static KcpSessionStream Over(IDuplexPipe pipe, Func<ValueTask> close, Func<Exception> closedError)
        => new(pipe.Input, pipe.Output, close, closedError);

    private static Func<ValueTask> CloseStream(KcpSmuxStream stream, Action onClosed) => async () =>
    {
        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            onClosed();
        }
    };

    private KcpSessionStream(PipeReader input, PipeWriter output, Func<ValueTask> close, Func<Exception> closedError)
    {
        _input = input;
        _output = output;
        _close = close;
        _closedError = closedError;
    }

    /// <summary>The session under the stream, when it is a whole session (not an smux stream).</summary>
    public KcpSession? Session { get; }

    /// <inheritdoc />
    public override bool CanRead => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc />
    public override bool CanWrite => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (KcpSessionClosedException e) when (e.Reason == KcpCloseReason.Reset)
            {
                return 0;
            }

            ReadOnlySequence<byte> data = result.Buffer;
            if (!data.IsEmpty && !buffer.IsEmpty)
            {
                int count = (int)Math.Min(data.Length, buffer.Length);
                data.Slice(0, count).CopyTo(buffer.Span);
                _input.AdvanceTo(data.GetPosition(count));
                return count;
            }

            if (result.IsCompleted || result.IsCanceled || buffer.IsEmpty)
            {
                _input.AdvanceTo(data.Start);
                return 0;
            }

            _input.AdvanceTo(data.Start, data.End);
        }
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        FlushResult result = await _output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (result.IsCompleted)
        {
            // The session closed under us: the bytes can never be delivered.
            throw _closedError();
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _input.CancelPendingRead();
            await _close().ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // A synchronous caller (HttpClient's connection pool, or a cancelled request) must not wait for the peer's
            // acknowledgements: the pending read ends now, the graceful close runs on, bounded by the linger timeout.
            _input.CancelPendingRead();
            _ = CloseInBackgroundAsync(_close, _input);
        }

        base.Dispose(disposing);
    }

    private static async Task CloseInBackgroundAsync(Func<ValueTask> close, PipeReader input)
    {
        await Task.Yield();
        await close().ConfigureAwait(false);
        await input.CompleteAsync().ConfigureAwait(false);
    }
}
