using Kcp.Transport.Io;
using Kcp.Transport.Io.Linux;
using Kcp.Transport.Scheduling;
using Kcp.Transport.Sessions;

namespace Kcp.Transport;

/// <summary>
/// What KCP listeners and clients run on besides their sockets: one scheduler thread that flushes every session when
/// its deadline comes (kcp-go's timedsched.go), one epoll thread that drains the sockets of dialed sessions (Linux), the
/// send batches, and the memory behind session pipes. No session owns a thread, timer or task.
/// <see cref="Shared"/> serves every listener and client that is not given a runtime; a runtime of your own keeps a
/// listener's threads and memory apart (several hosts in one process, tests) and is stopped by <see cref="Dispose"/>,
/// after the listeners and clients that use it are disposed.
/// </summary>
public sealed class KcpRuntime : IDisposable
{
    private static readonly Lazy<KcpRuntime> s_shared = new(() => new KcpRuntime(new KcpRuntimeOptions(), isShared: true));

    private readonly Lazy<EpollPoller?> _dialedSocketPoller;
    private readonly HashSet<string> _warmedUp = [];
    private readonly bool _ownsMemoryPool;
    private readonly bool _isShared;
    private int _disposed;

    /// <summary>
    /// Creates a runtime and starts its scheduler thread. Session pipes take their memory from
    /// <paramref name="memoryPool"/> (Kestrel's, say; the caller keeps owning it), or from a pool of pinned 16 KiB blocks
    /// of this runtime's own when null.
    /// </summary>
    public KcpRuntime(MemoryPool<byte>? memoryPool = null)
        : this(new KcpRuntimeOptions { MemoryPool = memoryPool }, isShared: false)
    {
    }

    /// <summary>Creates a runtime with the memory pool and clock of <paramref name="options"/> and starts its scheduler thread.</summary>
    public KcpRuntime(KcpRuntimeOptions options)
        : this(options ?? throw new ArgumentNullException(nameof(options)), isShared: false)
    {
    }

    private KcpRuntime(KcpRuntimeOptions options, bool isShared)
    {
        ArgumentNullException.ThrowIfNull(options.TimeProvider, "KcpRuntimeOptions.TimeProvider");
        _isShared = isShared;
        _ownsMemoryPool = options.MemoryPool is null;
        MemoryPool = options.MemoryPool ?? new PinnedBlockPool();
        TimeProvider = options.TimeProvider;
        Scheduler = new KcpScheduler("KCP scheduler", new KcpClock(options.TimeProvider));
        _dialedSocketPoller = new(() => EpollPoller.TryCreate("KCP dialed receive"));
    }

    /// <summary>The process's default runtime, created on first use and never stopped (disposing it does nothing).</summary>
    public static KcpRuntime Shared => s_shared.Value;

    /// <summary>The memory behind the session pipes of listeners and clients on this runtime.</summary>
    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>The clock every session, timer and admission limit of this runtime reads.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The deadline heap that flushes every session of this runtime.</summary>
    internal KcpScheduler Scheduler { get; }

    /// <summary>The thread that drains dialed sessions' sockets, started on first use; null where epoll is unavailable.</summary>
    internal EpollPoller? DialedSocketPoller => _dialedSocketPoller.Value;

    /// <summary>The batches sessions collect their datagrams in while they hold their lock.</summary>
    internal SendBatchPool SendBatches { get; } = new();

    /// <summary>True the first time <paramref name="profile"/> (a datagram path: cipher, FEC, backend, family) is claimed for the start-up warm-up.</summary>
    internal bool ClaimWarmUp(string profile)
    {
        lock (_warmedUp)
        {
            return _warmedUp.Add(profile);
        }
    }

    /// <summary>
    /// Binds the socket of a listener or, when <paramref name="dialed"/>, of a dialed session (drained by this runtime's
    /// poller, unless <paramref name="polled"/> is false: the start-up warm-up does not start the poller's thread).
    /// </summary>
    internal SessionContext Bind(IPEndPoint local, KcpOptions options, ILogger logger, bool dialed, bool polled = true)
        => SessionContext.Bind(local, options, logger, Scheduler, SendBatches, MemoryPool, dialed && polled ? DialedSocketPoller : null, listener: !dialed);

    /// <summary>Stops the runtime's threads and releases its own memory pool. Dispose its listeners and clients first.</summary>
    public void Dispose()
    {
        if (_isShared || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Scheduler.Dispose();
        if (_dialedSocketPoller.IsValueCreated)
        {
            _dialedSocketPoller.Value?.Dispose();
        }

        if (_ownsMemoryPool)
        {
            MemoryPool.Dispose();
        }
    }
}
