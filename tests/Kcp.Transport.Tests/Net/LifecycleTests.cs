using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Kcp.Transport.Scheduling;
using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Net;

/// <summary>Runs alone: it compares process-wide figures (scheduler heap, memory, threads) before and after.</summary>
[CollectionDefinition(nameof(LifecycleCollection), DisableParallelization = true)]
public sealed class LifecycleCollection;

/// <summary>Opening and closing sessions many times leaks nothing; shutdown under load loses no acknowledged data.</summary>
[Collection(nameof(LifecycleCollection))]
public sealed class LifecycleTests(ITestOutputHelper output)
{
    private const int Cycles = 10_000;
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task OpenClose_TenThousandCycles_LeaveNoSessionScheduledTargetThreadOrMemoryBehind()
    {
        // Arrange
        var options = new KcpOptions { LingerTimeout = TimeSpan.FromSeconds(5), AckNoDelay = true }.ApplyPreset(KcpPreset.Fast3);
        await using var listener = KcpListener.Bind(Loopback, options);
        await RunCyclesAsync(listener, options, 200); // warm-up: JIT, pools, thread pool size
        await WaitUntilAsync(() => listener.SessionCount == 0);
        long memoryBefore = SettledMemory();
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var clock = Stopwatch.StartNew();

        // Act
        await RunCyclesAsync(listener, options, Cycles);
        clock.Stop();

        // Assert: sessions leave the listener at once, the scheduler heap drains at their next deadlines.
        await WaitUntilAsync(() => listener.SessionCount == 0);
        await WaitUntilAsync(() => KcpRuntime.Shared.Scheduler.Count == 0);
        long memoryAfter = SettledMemory();
        int threadsAfter = Process.GetCurrentProcess().Threads.Count;
        output.WriteLine(
            $"{Cycles} cycles in {clock.Elapsed.TotalSeconds:F1} s; managed memory {memoryBefore / 1024} KB -> {memoryAfter / 1024} KB; " +
            $"threads {threadsBefore} -> {threadsAfter}");
        Assert.Equal(0, listener.SessionCount);
        Assert.Equal(0, KcpRuntime.Shared.Scheduler.Count);
        Assert.True(memoryAfter - memoryBefore < 16 * 1024 * 1024, $"Managed memory grew by {(memoryAfter - memoryBefore) / 1024} KB over {Cycles} cycles.");
        Assert.True(threadsAfter - threadsBefore < 16, $"Threads grew from {threadsBefore} to {threadsAfter}.");
    }

    [Fact]
    public async Task CloseAsync_ServerSessionsUnderLoad_EveryAcceptedByteReachesItsClient()
    {
        // Arrange: four server sessions stream to their clients (which send back too, so both directions are busy).
        const int Clients = 4;
        var options = new KcpOptions { LingerTimeout = TimeSpan.FromSeconds(30) }.ApplyPreset(KcpPreset.Fast3);
        await using var listener = KcpListener.Bind(Loopback, options);
        var clients = new KcpSession[Clients];
        var servers = new KcpSession[Clients];
        for (int i = 0; i < Clients; i++)
        {
            clients[i] = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
            await clients[i].Output.WriteAsync(new byte[] { 1 }).DefaultTimeout();
            servers[i] = (await listener.AcceptAsync().DefaultTimeout())!;
        }

        using var stop = new CancellationTokenSource();
        Task<long>[] serverWriters = servers.Select(s => WriteUntilStoppedAsync(s, stop.Token)).ToArray();
        Task<long>[] clientWriters = clients.Select(c => WriteUntilStoppedAsync(c, stop.Token)).ToArray();
        Task[] serverReaders = servers.Select(s => (Task)CountUntilEndAsync(s)).ToArray();
        Task<long>[] clientReaders = clients.Select(CountUntilEndAsync).ToArray();
        await WaitUntilAsync(() => clients.All(c => c.GetStatistics().Counters.BytesReceived > 2 * 1024 * 1024));

        // Act: shut the server side down mid-stream: stop the writers, then close every session gracefully at once.
        stop.Cancel();
        long[] accepted = await Task.WhenAll(serverWriters).DefaultTimeout();
        await Task.WhenAll(servers.Select(s => s.CloseAsync(TaskTimeoutExtensions.DefaultToken()))).DefaultTimeout();
        listener.StopAccepting();

        // Assert: a close notice ends each client's input after exactly the bytes the server application handed over.
        long[] received = await Task.WhenAll(clientReaders).DefaultTimeout();
        for (int i = 0; i < Clients; i++)
        {
            output.WriteLine($"session {i}: server accepted {accepted[i]} bytes for sending, client received {received[i]}");
            Assert.Equal(accepted[i], received[i]);
            Assert.Equal(KcpCloseReason.LocalClose, servers[i].CloseReason);
        }

        await Task.WhenAll(clientWriters).DefaultTimeout();
        await Task.WhenAll(serverReaders).DefaultTimeout();
        foreach (KcpSession client in clients)
        {
            client.Abort();
        }
    }

    private static async Task<long> CountUntilEndAsync(KcpSession session)
    {
        long total = 0;
        try
        {
            while (true)
            {
                ReadResult result = await session.Input.ReadAsync();
                total += result.Buffer.Length;
                session.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return total;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return total;
        }
    }

    private static async Task<long> WriteUntilStoppedAsync(KcpSession session, CancellationToken stop)
    {
        byte[] chunk = new byte[16 * 1024];
        long accepted = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Counted before the call: WriteAsync copies into the pipe before it can be cancelled while flushing.
                accepted += chunk.Length;
                FlushResult result = await session.Output.WriteAsync(chunk, stop);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
        }

        return accepted;
    }

    // Workers open sessions side by side (a graceful close waits for an ACK round trip); each worker has one session
    // at a time, and whichever server session the listener hands out next is served and closed by the same worker.
    private static async Task RunCyclesAsync(KcpListener listener, KcpOptions options, int cycles)
    {
        const int Workers = 16;
        int remaining = cycles;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(async _ =>
        {
            byte[] ping = [42];
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
                await client.Output.WriteAsync(ping).DefaultTimeout();
                KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
                await PipeTransfer.ReadExactlyAsync(server.Input, 1).DefaultTimeout();
                await client.DisposeAsync().AsTask().DefaultTimeout();
                await server.DisposeAsync().AsTask().DefaultTimeout();
            }
        })).WaitAsync(TimeSpan.FromMinutes(5));
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.Default);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
