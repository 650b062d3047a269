namespace Kcp.Transport.Scheduling;

/// <summary>
/// One thread and one deadline heap drive the periodic flush of every session in the process (kcp-go's
/// timedsched.go idea): the cost per tick is proportional to the sessions that are due, not to all sessions, and
/// no session owns a thread, timer or task.
/// </summary>
internal sealed class KcpScheduler
{
    private static readonly Lazy<KcpScheduler> s_shared = new(() => new KcpScheduler("KCP scheduler"));

    private readonly PriorityQueue<IKcpTimerTarget, long> _heap = new();
    private readonly object _lock = new(); // Monitor.Wait needs an object monitor, not System.Threading.Lock.
    private readonly Thread _thread;
    private long _wakeAt = long.MaxValue;

    private KcpScheduler(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public static KcpScheduler Shared => s_shared.Value;

    /// <summary>Number of targets waiting in the heap (closed sessions leave at their next deadline).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _heap.Count;
            }
        }
    }

    /// <summary>Adds a target due at <paramref name="dueMs"/>. A target must be scheduled at most once at a time.</summary>
    public void Schedule(IKcpTimerTarget target, long dueMs)
    {
        lock (_lock)
        {
            _heap.Enqueue(target, dueMs);
            if (dueMs < _wakeAt)
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    private void Run()
    {
        while (true)
        {
            IKcpTimerTarget target;
            long now;
            lock (_lock)
            {
                while (true)
                {
                    now = KcpClock.NowMs64;
                    if (_heap.TryPeek(out _, out long due) && due <= now)
                    {
                        target = _heap.Dequeue();
                        _wakeAt = long.MaxValue;
                        break;
                    }

                    _wakeAt = _heap.Count == 0 ? long.MaxValue : due;
                    int wait = _heap.Count == 0 ? Timeout.Infinite : (int)Math.Min(due - now, int.MaxValue);
                    Monitor.Wait(_lock, wait);
                }
            }

            long next = target.OnTimer(now);
            if (next >= 0)
            {
                Schedule(target, next);
            }
        }
    }
}
