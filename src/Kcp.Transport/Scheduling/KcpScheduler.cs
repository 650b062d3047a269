namespace Kcp.Transport.Scheduling;

/// <summary>
/// One thread and one deadline heap drive the periodic flush of every session in the process (kcp-go's
/// timedsched.go idea): the cost per tick is proportional to the sessions that are due, not to all sessions, and
/// no session owns a thread, timer or task. Idle sessions ask for a late deadline and are pulled earlier with
/// <see cref="Reschedule"/> when work arrives, so thousands of quiet sessions cost (almost) nothing. A runtime owns
/// one and stops it when it is disposed.
/// </summary>
internal sealed class KcpScheduler : IDisposable
{
    // Entries whose deadline no longer equals the target's TimerDue are stale (the target was pulled earlier) and
    // are dropped when they surface: a heap cannot lower a priority in place.
    private readonly PriorityQueue<IKcpTimerTarget, long> _heap = new();
    private readonly object _lock = new(); // Monitor.Wait needs an object monitor, not System.Threading.Lock.
    private readonly Thread? _thread;
    private long _wakeAt = long.MaxValue;
    private ITimer? _wakeTimer;
    private long _fired;
    private bool _stopped;

    /// <summary>A scheduler with a thread of its own named <paramref name="threadName"/>, on <paramref name="clock"/>.</summary>
    public KcpScheduler(string threadName, KcpClock clock)
    {
        Clock = clock;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>A scheduler without a thread, driven by <see cref="RunDue"/> (tests), on <paramref name="clock"/> (the system's when null).</summary>
    internal KcpScheduler(KcpClock? clock = null)
    {
        Clock = clock ?? new KcpClock(TimeProvider.System);
    }

    /// <summary>The clock deadlines are read on.</summary>
    public KcpClock Clock { get; }

    /// <summary>Heap entries, stale ones included (closed sessions leave at their next deadline).</summary>
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

    /// <summary>True while the scheduler's thread runs (false for a thread-less test scheduler).</summary>
    public bool IsRunning => _thread?.IsAlive == true;

    /// <summary>Targets run so far.</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>Sets the target's deadline to <paramref name="dueMs"/>, replacing any it had.</summary>
    public void Schedule(IKcpTimerTarget target, long dueMs)
    {
        lock (_lock)
        {
            Enqueue(target, dueMs);
        }
    }

    /// <summary>
    /// Moves the target's deadline to <paramref name="dueMs"/> if that is earlier than the one it has. Lock-free when
    /// it is not (the common case while a session is busy), so it may be called for every packet.
    /// </summary>
    public void Reschedule(IKcpTimerTarget target, long dueMs)
    {
        if (Volatile.Read(ref target.TimerDue) <= dueMs)
        {
            return;
        }

        lock (_lock)
        {
            if (dueMs < target.TimerDue)
            {
                Enqueue(target, dueMs);
            }
        }
    }

    /// <summary>Runs every target due at <paramref name="nowMs"/> on the calling thread; returns how many ran (tests).</summary>
    internal int RunDue(long nowMs)
    {
        int ran = 0;
        while (TryTakeDue(nowMs, out IKcpTimerTarget? target))
        {
            Fire(target, nowMs);
            ran++;
        }

        return ran;
    }

    private void Enqueue(IKcpTimerTarget target, long dueMs)
    {
        Volatile.Write(ref target.TimerDue, dueMs);
        _heap.Enqueue(target, dueMs);
        if (dueMs < _wakeAt)
        {
            Monitor.Pulse(_lock);
        }
    }

    private bool TryTakeDue(long nowMs, out IKcpTimerTarget target)
    {
        lock (_lock)
        {
            while (_heap.TryPeek(out target!, out long due) && due <= nowMs)
            {
                _heap.Dequeue();
                if (target.TimerDue == due)
                {
                    // Running: a Reschedule from now on adds a fresh entry, which Fire keeps if it is earlier.
                    Volatile.Write(ref target.TimerDue, long.MaxValue);
                    return true;
                }
            }

            return false;
        }
    }

    private void Fire(IKcpTimerTarget target, long nowMs)
    {
        Interlocked.Increment(ref _fired);
        long next = target.OnTimer(nowMs);
        if (next >= 0)
        {
            // A deadline at or before this turn would put the target back at the head of the heap at once, ahead of
            // every other due entry, and the thread would serve it alone: the next turn is the earliest it gets.
            Reschedule(target, Math.Max(next, nowMs + 1));
        }
    }

    /// <summary>Stops the thread after its current target; targets still scheduled are not run again.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            Monitor.Pulse(_lock);
        }

        if (_thread is not null && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _wakeTimer?.Dispose();
    }

    private void Run()
    {
        while (!Volatile.Read(ref _stopped))
        {
            long now = Clock.NowMs64;
            if (TryTakeDue(now, out IKcpTimerTarget? target))
            {
                Fire(target, now);
                continue;
            }

            lock (_lock)
            {
                now = Clock.NowMs64;
                bool any = false;
                long due = long.MaxValue;
                while (_heap.TryPeek(out IKcpTimerTarget? head, out due))
                {
                    if (head.TimerDue == due)
                    {
                        any = true;
                        break;
                    }

                    _heap.Dequeue(); // stale
                }

                if (_stopped || (any && due <= now))
                {
                    continue;
                }

                _wakeAt = any ? due : long.MaxValue;
                int wait = any ? (int)Math.Min(due - now, int.MaxValue) : Timeout.Infinite;
                Wait(wait);
                _wakeAt = long.MaxValue;
            }
        }
    }

    // Under the lock. The system clock waits on the monitor itself; another clock (a test's fake time) has no OS wait
    // that follows it, so a timer of its own provider pulses the monitor when the deadline comes.
    private void Wait(int waitMs)
    {
        if (Clock.IsSystem || waitMs == Timeout.Infinite)
        {
            Monitor.Wait(_lock, waitMs);
            return;
        }

        _wakeTimer ??= Clock.Time.CreateTimer(static state => ((KcpScheduler)state!).Pulse(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _wakeTimer.Change(TimeSpan.FromMilliseconds(waitMs), Timeout.InfiniteTimeSpan);
        Monitor.Wait(_lock);
    }

    private void Pulse()
    {
        lock (_lock)
        {
            Monitor.Pulse(_lock);
        }
    }
}
