namespace Kcp.Transport.Multiplexing;

/// <summary>
/// kcptun's compressed stream as a pipe adapter over a transport (a KCP session): what is written to
/// <see cref="Output"/> leaves compressed in snappy's framing format, what arrives is checked and decompressed into
/// <see cref="Input"/>. A decoder and an encoder loop do the work; smux runs on top unchanged.
/// </summary>
internal sealed class SnappyPipe : IDuplexPipe
{
    private readonly IDuplexPipe _transport;
    private readonly Pipe _decoded;
    private readonly Pipe _toEncode;

    public SnappyPipe(IDuplexPipe transport, MemoryPool<byte>? pool)
    {
        _transport = transport;
        int segment = Math.Min((pool ?? MemoryPool<byte>.Shared).MaxBufferSize, 16 * 1024);

        // Decoded bytes wait for the smux reader, which may stop for its budget: pause then, so the KCP window closes.
        _decoded = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline,
            pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, minimumSegmentSize: segment, useSynchronizationContext: false));
        _toEncode = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline,
            pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, minimumSegmentSize: segment, useSynchronizationContext: false));
    }

    public PipeReader Input => _decoded.Reader;

    public PipeWriter Output => _toEncode.Writer;

    /// <summary>Completes when both loops have stopped.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start()
    {
        var decoder = new SnappyDecoder(_transport.Input, _decoded.Writer);
        var encoder = new SnappyEncoder(_toEncode.Reader, _transport.Output);
        Completion = Task.WhenAll(Task.Run(decoder.RunAsync), Task.Run(encoder.RunAsync));
    }

    /// <summary>Stops both loops where they wait (the session ended).</summary>
    public void Stop()
    {
        _transport.Input.CancelPendingRead();
        _toEncode.Reader.CancelPendingRead();
    }
}
