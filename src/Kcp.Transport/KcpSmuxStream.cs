using Kcp.Transport.Multiplexing;

namespace Kcp.Transport;

/// <summary>
/// One smux stream of a <see cref="KcpSmuxSession"/>, as a duplex pipe. Completing <see cref="Output"/> sends FIN
/// after everything written; the peer's FIN completes <see cref="Input"/> after what it sent. When the session ends
/// first, reads fail with <see cref="KcpSmuxSessionClosedException"/>. Closing a stream never ends its session.
/// </summary>
public sealed class KcpSmuxStream : IDuplexPipe, IAsyncDisposable
{
    private readonly SmuxStream _stream;

    internal KcpSmuxStream(SmuxStream stream, KcpSmuxSession session)
    {
        _stream = stream;
        Session = session;
    }

    /// <summary>The stream id: odd when the client opened it, even when the server did.</summary>
    public uint Id => _stream.Id;

    /// <summary>The session the stream belongs to.</summary>
    public KcpSmuxSession Session { get; }

    /// <summary>Bytes the peer sent on this stream.</summary>
    public PipeReader Input => _stream.Input;

    /// <summary>Bytes to send to the peer on this stream.</summary>
    public PipeWriter Output => _stream.Output;

    /// <summary>Cancelled (from the thread pool) when the peer finished the stream, or it was aborted or reset.</summary>
    public CancellationToken Closed => _stream.Closed;

    /// <summary>
    /// Ends the stream at once: reads fail with <paramref name="reason"/>, data not yet sent is dropped and the peer
    /// gets FIN (smux has no reset).
    /// </summary>
    public void Abort(Exception? reason = null)
        => _stream.Abort(reason ?? new OperationCanceledException("The smux stream was aborted."));

    /// <summary>
    /// Completes both pipes (the application's side) and waits until the FIN went out after what was written, or the
    /// session ended.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stream.Output.CompleteAsync().ConfigureAwait(false);
        await _stream.Input.CompleteAsync().ConfigureAwait(false);
        await _stream.Finished.ConfigureAwait(false);
    }
}
