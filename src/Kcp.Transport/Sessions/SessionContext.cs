using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Io.Linux;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Sessions;

/// <summary>
/// What every session of one listener or client shares: its settings, socket, key, counters and log, and the runtime's
/// scheduler, send batches and pipe memory. The pipe options are built here once, not once per session (as Kestrel
/// builds them once per I/O queue). A listener's context serves all its sessions; a dialed session has one of its own.
/// </summary>
internal sealed class SessionContext
{
    // Pipe segments of up to 16 KiB: room for many KCP segments, few pipe segments per megabyte buffered.
    private const int PipeSegmentSize = 16 * 1024;

    public SessionContext(
        KcpOptions options,
        UdpSocket socket,
        PacketProtection protection,
        KcpCounters counters,
        ILogger logger,
        KcpScheduler scheduler,
        SendBatchPool sendBatches,
        MemoryPool<byte> memoryPool)
    {
        Options = options;
        Socket = socket;
        Protection = protection;
        Counters = counters;
        Logger = logger;
        Scheduler = scheduler;
        SendBatches = sendBatches;
        MemoryPool = memoryPool;
        int segmentSize = Math.Min(memoryPool.MaxBufferSize, PipeSegmentSize);

        // The application never runs under a session's lock: its continuations go to the thread pool. Our own
        // continuations (output readable, input drained) run inline, so a write reaches the wire on the writer's thread
        // as in kcp-go.
        InputPipe = PipeOptions(memoryPool, segmentSize, options.MaxReadBufferSize, readerScheduler: PipeScheduler.ThreadPool, writerScheduler: PipeScheduler.Inline);
        OutputPipe = PipeOptions(memoryPool, segmentSize, options.MaxWriteBufferSize, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool);
    }

    /// <summary>The runtime's pipe memory (smux over the session takes its stream buffers from it too).</summary>
    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>
    /// Binds a socket at <paramref name="local"/> with the key and counters <paramref name="options"/> ask for. A dialed
    /// socket is drained by <paramref name="poller"/> (null: by a loop of its own); a listener's socket
    /// (<paramref name="listener"/>) shares its port when <see cref="KcpOptions.ReusePort"/> asks for it.
    /// </summary>
    public static SessionContext Bind(
        IPEndPoint local, KcpOptions options, ILogger logger, KcpScheduler scheduler, SendBatchPool sendBatches, MemoryPool<byte> memoryPool, EpollPoller? poller, bool listener)
    {
        KcpClock clock = scheduler.Clock;
        PacketProtection protection = options.CreateProtection(logger, () => clock.NowMs64);
        var counters = new KcpCounters();
        try
        {
            UdpSocket socket = UdpSocket.Bind(local, options, counters, logger, poller, reusePort: listener && options.ReusePort);
            return new SessionContext(options, socket, protection, counters, logger, scheduler, sendBatches, memoryPool);
        }
        catch
        {
            protection.Dispose();
            throw;
        }
    }

    public KcpOptions Options { get; }

    public UdpSocket Socket { get; }

    public PacketProtection Protection { get; }

    public KcpCounters Counters { get; }

    public ILogger Logger { get; }

    public KcpScheduler Scheduler { get; }

    /// <summary>The runtime's clock (the scheduler's).</summary>
    public KcpClock Clock => Scheduler.Clock;

    public SendBatchPool SendBatches { get; }

    /// <summary>Engine to application: paused at the read buffer limit so that KCP's window closes.</summary>
    public PipeOptions InputPipe { get; }

    /// <summary>Application to engine: the writer waits at the write buffer limit.</summary>
    public PipeOptions OutputPipe { get; }

    // The writer pauses at the limit and resumes at half of it, so that it does not wake for every segment read.
    private static PipeOptions PipeOptions(MemoryPool<byte> pool, int segmentSize, long limit, PipeScheduler readerScheduler, PipeScheduler writerScheduler)
        => new(pool, readerScheduler, writerScheduler, pauseWriterThreshold: limit, resumeWriterThreshold: limit / 2, segmentSize, useSynchronizationContext: false);

    /// <summary>
    /// Closes the socket; once its receive loops have ended (they may still be opening or counting a last datagram),
    /// releases the key and moves the counters into the process totals.
    /// </summary>
    public async Task CloseAsync()
    {
        Socket.Dispose();
        await Socket.Completion.ConfigureAwait(false);
        Protection.Dispose();
        Counters.Detach();
    }

    /// <summary>Whether FEC is on: both shard counts positive.</summary>
    public bool FecEnabled => Options.DataShards > 0 && Options.ParityShards > 0;

    /// <summary>Head-room the engine leaves in front of its segments: the protection header and, with FEC, the FEC header.</summary>
    public int HeaderRoom => Protection.HeaderSize + (FecEnabled ? Fec.FecPacket.HeaderSizePlus2 : 0);
}
