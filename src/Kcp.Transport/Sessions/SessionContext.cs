using System.Buffers;
using System.IO.Pipelines;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Scheduling;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport.Sessions;

/// <summary>
/// What every session of one listener or client shares: its settings, socket, key, counters and log, and the runtime's
/// scheduler, send batches and pipe memory. The pipe options are built here once, not once per session (as Kestrel
/// builds them once per I/O queue).
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
        int segmentSize = Math.Min(memoryPool.MaxBufferSize, PipeSegmentSize);

        // The application never runs under a session's lock: its continuations go to the thread pool. Our own
        // continuations (output readable, input drained) run inline, so a write reaches the wire on the writer's thread
        // as in kcp-go.
        InputPipe = new PipeOptions(
            pool: memoryPool,
            readerScheduler: PipeScheduler.ThreadPool,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: options.MaxReadBufferSize,
            resumeWriterThreshold: options.MaxReadBufferSize / 2,
            minimumSegmentSize: segmentSize,
            useSynchronizationContext: false);
        OutputPipe = new PipeOptions(
            pool: memoryPool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: options.MaxWriteBufferSize,
            resumeWriterThreshold: options.MaxWriteBufferSize / 2,
            minimumSegmentSize: segmentSize,
            useSynchronizationContext: false);
    }

    public KcpOptions Options { get; }

    public UdpSocket Socket { get; }

    public PacketProtection Protection { get; }

    public KcpCounters Counters { get; }

    public ILogger Logger { get; }

    public KcpScheduler Scheduler { get; }

    public SendBatchPool SendBatches { get; }

    /// <summary>Engine to application: paused at the read buffer limit so that KCP's window closes.</summary>
    public PipeOptions InputPipe { get; }

    /// <summary>Application to engine: the writer waits at the write buffer limit.</summary>
    public PipeOptions OutputPipe { get; }

    /// <summary>Whether FEC is on: both shard counts positive.</summary>
    public bool FecEnabled => Options.DataShards > 0 && Options.ParityShards > 0;

    /// <summary>Head-room the engine leaves in front of its segments: the protection header and, with FEC, the FEC header.</summary>
    public int HeaderRoom => Protection.HeaderSize + (FecEnabled ? Fec.FecPacket.HeaderSizePlus2 : 0);
}
