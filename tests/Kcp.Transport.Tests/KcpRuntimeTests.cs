using System.Buffers;
using System.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests;

/// <summary>A runtime owns the threads and memory its listeners and clients run on; several can live in one process.</summary>
public sealed class KcpRuntimeTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    private static KcpOptions Fast() => new KcpOptions { IdleTimeout = TimeSpan.FromSeconds(30) }.ApplyPreset(KcpPreset.Fast3);

    [Fact]
    public async Task TwoListeners_OnSeparateRuntimes_EachRunsOnItsOwnSchedulerAndMemory()
    {
        // Arrange
        var firstPool = new CountingPool();
        var secondPool = new CountingPool();
        using var first = new KcpRuntime(firstPool);
        using var second = new KcpRuntime(secondPool);
        await using var firstListener = KcpListener.Bind(Loopback, Fast(), runtime: first);
        await using var secondListener = KcpListener.Bind(Loopback, Fast(), runtime: second);

        // Act: one echo through each, each client on its listener's runtime.
        await EchoAsync(firstListener, first, seed: 1);
        long secondRentsBefore = secondPool.Rents;
        long secondFiredBefore = second.Scheduler.Fired;
        await EchoAsync(firstListener, first, seed: 2);

        // Assert: the second runtime did nothing for the first listener's sessions.
        Assert.True(first.Scheduler.Fired > 0);
        Assert.True(firstPool.Rents > 0);
        Assert.Equal(secondRentsBefore, secondPool.Rents);
        Assert.Equal(secondFiredBefore, second.Scheduler.Fired);
        await EchoAsync(secondListener, second, seed: 3);
        Assert.True(secondPool.Rents > 0);
    }

    [Fact]
    public async Task Dispose_AfterItsListener_StopsTheRuntimesThreads()
    {
        // Arrange
        var runtime = new KcpRuntime();
        await using (var listener = KcpListener.Bind(Loopback, Fast(), runtime: runtime))
        {
            await EchoAsync(listener, runtime, seed: 4);
        }

        Assert.True(runtime.Scheduler.IsRunning);
        Assert.True(runtime.DialedSocketPoller!.IsRunning, "epoll is expected on Linux");

        // Act
        runtime.Dispose();

        // Assert: both threads have ended (Dispose joins them).
        Assert.False(runtime.Scheduler.IsRunning);
        Assert.False(runtime.DialedSocketPoller.IsRunning);
    }

    [Fact]
    public void Shared_Dispose_DoesNothing()
    {
        KcpRuntime.Shared.Dispose();

        Assert.False(KcpRuntime.Shared.MemoryPool.Rent(1).Memory.IsEmpty);
    }

    private static async Task EchoAsync(KcpListener listener, KcpRuntime runtime, int seed)
    {
        Task echo = Task.Run(async () =>
        {
            KcpSession server = (await listener.AcceptAsync())!;
            await server.Input.CopyToAsync(server.Output);
        });
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Fast(), null, null, runtime);
        byte[] data = PipeTransfer.RandomBytes(256 * 1024, seed);
        Task write = PipeTransfer.WriteAllAsync(client.Output, data);
        byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();
        Assert.Equal(data, echoed);
    }

    /// <summary>Array-backed blocks, counted: proves which pool a session's pipes rent from.</summary>
    private sealed class CountingPool : MemoryPool<byte>
    {
        private long _rents;

        public long Rents => Interlocked.Read(ref _rents);

        public override int MaxBufferSize => 4096;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Interlocked.Increment(ref _rents);
            return new Owner(new byte[MaxBufferSize]);
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Owner(byte[] array) : IMemoryOwner<byte>
        {
            public Memory<byte> Memory => array;

            public void Dispose()
            {
            }
        }
    }
}
