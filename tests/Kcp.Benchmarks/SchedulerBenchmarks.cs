using BenchmarkDotNet.Attributes;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Benchmarks;

/// <summary>
/// One scheduler tick over 10,000 sessions of which <see cref="Busy"/> have a flush due: the cost follows the busy
/// sessions (each flushes a real KCP engine), not the 10,000.
/// </summary>
[MemoryDiagnoser]
public class SchedulerBenchmarks
{
    private const int Sessions = 10_000;
    private KcpScheduler _scheduler = null!;
    private long _now;

    [Params(100, 1_000, 10_000)]
    public int Busy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scheduler = new KcpScheduler();
        for (int i = 0; i < Sessions; i++)
        {
            bool busy = i < Busy;
            var target = new EngineTarget((uint)i, busy);
            _scheduler.Schedule(target, busy ? 10 : long.MaxValue / 2);
        }
    }

    /// <summary>Advances the clock one 10 ms interval and runs what is due.</summary>
    [Benchmark]
    public int Tick()
    {
        _now += 10;
        return _scheduler.RunDue(_now);
    }

    private sealed class EngineTarget : IKcpTimerTarget, IKcpOutputSink
    {
        private readonly KcpControlBlock _engine;
        private readonly bool _busy;
        private long _due = long.MaxValue;

        public EngineTarget(uint conv, bool busy)
        {
            _engine = new KcpControlBlock(conv, this);
            _busy = busy;
        }

        public ref long TimerDue => ref _due;

        public long OnTimer(long nowMs)
        {
            uint wait = _engine.Flush((uint)nowMs, ackOnly: false);
            return nowMs + (_busy ? wait : 5000);
        }

        public void Output(Span<byte> datagram)
        {
        }
    }
}
