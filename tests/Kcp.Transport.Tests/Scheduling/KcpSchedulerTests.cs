using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Tests.Scheduling;

/// <summary>The deadline heap runs only what is due, so a tick costs in proportion to busy sessions, not to all.</summary>
public sealed class KcpSchedulerTests
{
    private static readonly KcpClock SystemClock = new(TimeProvider.System);

    [Fact]
    public void RunDue_TenThousandSessionsFewBusy_RunsOnlyTheBusyOnes()
    {
        var scheduler = new KcpScheduler();
        var targets = new List<FakeSession>();
        for (int i = 0; i < 10_000; i++)
        {
            // Like an idle session: asleep for 5 s. Every 100th one is busy and ticks every 10 ms.
            var target = new FakeSession(busy: i % 100 == 0);
            targets.Add(target);
            scheduler.Schedule(target, target.Busy ? 10 : 5000);
        }

        int ranAt10 = scheduler.RunDue(10);
        int ranAt20 = scheduler.RunDue(20);
        int ranUpTo4990 = 0;
        for (long t = 30; t < 5000; t += 10)
        {
            ranUpTo4990 += scheduler.RunDue(t);
        }

        Assert.Equal(100, ranAt10);
        Assert.Equal(100, ranAt20);
        Assert.Equal(100 * 497, ranUpTo4990);
        Assert.All(targets.Where(t => !t.Busy), t => Assert.Equal(0, t.Runs));
        Assert.Equal(9_900 + 100, scheduler.RunDue(5000));
    }

    [Fact]
    public void Reschedule_Earlier_RunsAtTheNewDeadlineOnceAndDropsTheOldEntry()
    {
        var scheduler = new KcpScheduler();
        var target = new FakeSession(busy: false) { Forget = true };
        scheduler.Schedule(target, 1000);

        scheduler.Reschedule(target, 50);

        Assert.Equal(0, scheduler.RunDue(49));
        Assert.Equal(1, scheduler.RunDue(50));
        Assert.Equal(0, scheduler.RunDue(1000));
        Assert.Equal(1, target.Runs);
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public void Reschedule_Later_KeepsTheEarlierDeadline()
    {
        var scheduler = new KcpScheduler();
        var target = new FakeSession(busy: false) { Forget = true };
        scheduler.Schedule(target, 100);

        scheduler.Reschedule(target, 500);

        Assert.Equal(1, scheduler.Count);
        Assert.Equal(1, scheduler.RunDue(100));
        Assert.Equal(0, scheduler.RunDue(500));
    }

    [Fact]
    public void Reschedule_WhileRunning_EarlierRequestWins()
    {
        var scheduler = new KcpScheduler();
        var target = new FakeSession(busy: false);
        target.DuringRun = () => scheduler.Reschedule(target, 120); // work arrived while the timer ran
        scheduler.Schedule(target, 100);

        Assert.Equal(1, scheduler.RunDue(100)); // OnTimer asks for 100 + 5000
        target.DuringRun = null;

        Assert.Equal(0, scheduler.RunDue(119));
        Assert.Equal(1, scheduler.RunDue(120));
    }

    [Fact]
    public void RunDue_TargetAskingForAPastDeadline_RunsOncePerTurnAndOthersStillRun()
    {
        var scheduler = new KcpScheduler();
        var stuck = new FakeSession(busy: false) { Deadline = 0 };   // always asks for a time long gone
        var other = new FakeSession(busy: false) { Forget = true };
        scheduler.Schedule(stuck, 100);
        scheduler.Schedule(other, 100);

        Assert.Equal(2, scheduler.RunDue(100));
        Assert.Equal(1, stuck.Runs);
        Assert.Equal(1, other.Runs);
        Assert.Equal(1, scheduler.RunDue(101));
        Assert.Equal(2, stuck.Runs);
    }

    [Fact]
    public async Task Threaded_RescheduledTarget_FiresOnTheSchedulerThread()
    {
        using var scheduler = new KcpScheduler("test scheduler", SystemClock);
        var target = new FakeSession(busy: false) { Forget = true };
        var fired = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        target.DuringRun = () => fired.TrySetResult(Thread.CurrentThread.Name);
        scheduler.Schedule(target, SystemClock.NowMs64 + 3_600_000);

        scheduler.Reschedule(target, SystemClock.NowMs64);

        Assert.Equal("test scheduler", await fired.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, target.Runs);
    }

    [Fact]
    public async Task Threaded_FakeClock_FiresWhenTheClockIsAdvancedNotBefore()
    {
        // A runtime's clock comes from its TimeProvider: with a fake one, deadlines follow the fake time alone.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var clock = new KcpClock(time);
        using var scheduler = new KcpScheduler("test scheduler", clock);
        var target = new FakeSession(busy: false) { Forget = true };
        var fired = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        target.DuringRun = () => fired.TrySetResult(clock.NowMs64);
        long start = clock.NowMs64;
        scheduler.Schedule(target, start + 5_000);

        // Real time passing does not fire it; the fake time reaching the deadline does.
        await Task.Delay(200);
        Assert.False(fired.Task.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(4_999));
        await Task.Delay(100);
        Assert.False(fired.Task.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(start + 5_000, await fired.Task.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Dispose_WhileTargetsWait_StopsTheThreadAndRunsNothingMore()
    {
        var scheduler = new KcpScheduler("test scheduler", SystemClock);
        var target = new FakeSession(busy: false) { Forget = true };
        scheduler.Schedule(target, SystemClock.NowMs64 + 200);

        await Task.Run(scheduler.Dispose).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(400);

        Assert.Equal(0, target.Runs);
    }

    [Fact]
    public async Task Session_Idle_SleepsLongAndWakesForNewWork()
    {
        KcpOptions options = new KcpOptions { IdleTimeout = TimeSpan.FromSeconds(60) }.ApplyPreset(KcpPreset.Fast3);
        await using var listener = KcpListener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), options);
        Task server = Task.Run(async () =>
        {
            KcpSession session = (await listener.AcceptAsync())!;
            await session.Input.CopyToAsync(session.Output);
        });
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);

        for (int round = 0; round < 3; round++)
        {
            await client.Output.WriteAsync(new byte[64]);
            byte[] echoed = await Support.PipeTransfer.ReadExactlyAsync(client.Input, 64).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(64, echoed.Length);

            // Once everything is acknowledged the session asks to be woken seconds later, not every 10 ms.
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (Volatile.Read(ref ((IKcpTimerTarget)client.Core).TimerDue) - SystemClock.NowMs64 < 1000)
            {
                await Task.Delay(20, bound.Token);
            }
        }
    }

    private sealed class FakeSession(bool busy) : IKcpTimerTarget
    {
        private long _due = long.MaxValue;

        public bool Busy { get; } = busy;

        public bool Forget { get; init; }

        public Action? DuringRun { get; set; }

        /// <summary>A fixed deadline to ask for (stops after 1,000 runs, so a scheduler that loops on it ends).</summary>
        public long? Deadline { get; init; }

        public int Runs { get; private set; }

        public ref long TimerDue => ref _due;

        public long OnTimer(long nowMs)
        {
            Runs++;
            DuringRun?.Invoke();
            if (Deadline is { } deadline)
            {
                return Runs < 1000 ? deadline : -1;
            }

            return Forget ? -1 : nowMs + (Busy ? 10 : 5000);
        }
    }
}
