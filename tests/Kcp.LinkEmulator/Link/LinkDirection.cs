using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kcp.LinkEmulator.Link;

/// <summary>
/// One direction of the link on a thread of its own: polls the source TUN device, decides each packet's fate and
/// departure time, and writes due packets to the destination device. Packets wait in preallocated slots ordered by a
/// priority queue (departure time, then arrival order), so forwarding allocates nothing per packet.
/// </summary>
internal sealed unsafe class LinkDirection : IDisposable
{
    private const int SlotSize = 2048;
    private const int SlotCount = 8192;
    private const int IdlePollMs = 50;

    private readonly TunDevice _from;
    private readonly TunDevice _to;
    private readonly int _seedSalt;
    private readonly byte[] _slots = GC.AllocateUninitializedArray<byte>(SlotSize * SlotCount, pinned: true);
    private readonly int[] _lengths = new int[SlotCount];
    private readonly Stack<int> _free = new(SlotCount);
    private readonly PriorityQueue<int, (long Departure, long Sequence)> _queue = new(SlotCount);
    private readonly Thread _thread;
    private volatile LinkSettings _settings;
    private volatile bool _stopping;

    public LinkDirection(string name, TunDevice from, TunDevice to, LinkSettings settings, int seedSalt)
    {
        _from = from;
        _to = to;
        _settings = settings;
        _seedSalt = seedSalt;
        for (int i = SlotCount - 1; i >= 0; i--)
        {
            _free.Push(i);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
    }

    public LinkCounters Counters { get; } = new();

    /// <summary>Takes effect from the next packet; restarts the random source and the loss state from the new seed.</summary>
    public LinkSettings Settings
    {
        get => _settings;
        set => _settings = value;
    }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stopping = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        LinkSettings settings = _settings;
        var random = new Random(settings.Seed ^ _seedSalt);
        var loss = new LossModel(settings.Loss, settings.BurstLength);
        long busyUntil = 0;       // when the bottleneck finishes serialising what it holds
        long lastDeparture = 0;   // order is kept: a packet leaves no earlier than the one before it
        long sequence = 0;
        byte* scratch = stackalloc byte[SlotSize];
        fixed (byte* slots = _slots)
        {
            Native.PollFd pollFd = new() { Fd = _from.Fd, Events = Native.PollIn };
            while (!_stopping)
            {
                if (!ReferenceEquals(settings, _settings))
                {
                    settings = _settings;
                    random = new Random(settings.Seed ^ _seedSalt);
                    loss = new LossModel(settings.Loss, settings.BurstLength);
                }

                long now = Stopwatch.GetTimestamp();
                SendDue(slots, now);
                int timeout = IdlePollMs;
                if (_queue.TryPeek(out _, out var next))
                {
                    timeout = (int)Math.Clamp((next.Departure - now + Stopwatch.Frequency / 1000 - 1) * 1000 / Stopwatch.Frequency, 0, IdlePollMs);
                }

                pollFd.Revents = 0;
                if (Native.poll(&pollFd, 1, timeout) <= 0)
                {
                    continue;
                }

                // Drain what the kernel has queued, up to a bound so departures are not starved.
                for (int n = 0; n < 256; n++)
                {
                    if (!_free.TryPop(out int slot))
                    {
                        // Every slot is in flight: read into a scratch slot and drop (counts as a queue drop).
                        slot = -1;
                    }

                    byte* buffer = slots + ((slot < 0 ? 0 : slot) * SlotSize);
                    nint read = Native.read(_from.Fd, slot < 0 ? scratch : buffer, SlotSize);
                    if (read <= 0)
                    {
                        if (slot >= 0)
                        {
                            _free.Push(slot);
                        }

                        int errno = Marshal.GetLastPInvokeError();
                        if (read < 0 && errno != Native.EAgain && errno != Native.EIntr && !_stopping)
                        {
                            throw new IOException($"read from {_from.Name} failed (errno {errno}).");
                        }

                        break;
                    }

                    int length = (int)read;
                    Counters.In(length);
                    if (slot < 0)
                    {
                        Counters.CountQueueDropped();
                        continue;
                    }

                    if (loss.Drop(random))
                    {
                        Counters.CountLost();
                        _free.Push(slot);
                        continue;
                    }

                    now = Stopwatch.GetTimestamp();
                    long departure = now;
                    if (settings.BandwidthBitsPerSecond > 0)
                    {
                        long start = Math.Max(now, busyUntil);
                        long queued = (start - now) * settings.BandwidthBitsPerSecond / 8 / Stopwatch.Frequency;
                        if (queued + length > settings.QueueBytes)
                        {
                            Counters.CountQueueDropped();
                            _free.Push(slot);
                            continue;
                        }

                        busyUntil = start + (length * 8L * Stopwatch.Frequency / settings.BandwidthBitsPerSecond);
                        departure = busyUntil;
                    }

                    departure += Ticks(settings.Rtt / 2);
                    if (settings.Jitter > TimeSpan.Zero)
                    {
                        departure += (long)(random.NextDouble() * Ticks(settings.Jitter));
                    }

                    if (settings.Reorder > 0 && random.NextDouble() < settings.Reorder)
                    {
                        departure += Ticks(settings.ReorderDelay);   // held back; does not hold back the next ones
                    }
                    else
                    {
                        departure = Math.Max(departure, lastDeparture);
                        lastDeparture = departure;
                    }

                    _lengths[slot] = length;
                    _queue.Enqueue(slot, (departure, sequence++));
                }
            }
        }
    }

    private void SendDue(byte* slots, long now)
    {
        while (_queue.TryPeek(out int slot, out var due) && due.Departure <= now)
        {
            _queue.Dequeue();
            int length = _lengths[slot];
            // A full device queue on the other side (EAGAIN) is a drop, as a real interface would do.
            if (Native.write(_to.Fd, slots + (slot * SlotSize), (nuint)length) == length)
            {
                Counters.Out(length);
            }
            else
            {
                Counters.CountQueueDropped();
            }

            _free.Push(slot);
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
