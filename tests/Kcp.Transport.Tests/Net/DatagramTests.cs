using System.Net;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// Out-of-band datagrams between two of our sessions: both ways, with and without FEC, beside a stream, the receive
/// queue's bound and order, the end of a session, sizes and counters.
/// </summary>
public sealed class DatagramTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    internal static KcpOptions Options(string crypt = "aes-128-gcm", int data = 10, int parity = 3)
        => Security.SecurityTestSupport.Options(crypt, data, parity);

    /// <summary>The payload of datagram <paramref name="index"/>: its index in the first four bytes, then a pattern.</summary>
    internal static byte[] Payload(int index, int length)
    {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++)
        {
            payload[i] = (byte)((index * 7) + (i * 13) + 1);
        }

        if (length >= 4)
        {
            BitConverter.TryWriteBytes(payload, index);
        }

        return payload;
    }

    [Theory]
    [InlineData("aes-128-gcm", 10, 3)]
    [InlineData("aes", 10, 3)]
    [InlineData("aes", 0, 0)]
    [InlineData("salsa20", 0, 0)]
    public async Task Datagrams_BothWays_ArriveIntactAndOpenTheSession(string crypt, int data, int parity)
    {
        // Arrange: the client sends nothing on the stream, so its first datagram opens the session.
        KcpOptions options = Options(crypt, data, parity);
        await using var listener = KcpListener.Bind(Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        Assert.True(client.TrySendDatagram(Payload(0, 100)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        byte[] buffer = new byte[1500];

        // Act: one each way, then the largest, then an empty one.
        int first = await server.ReceiveDatagramAsync(buffer).DefaultTimeout();
        Assert.Equal(Payload(0, 100), buffer[..first]);
        Assert.True(server.TrySendDatagram(Payload(1, 50)));
        int back = await client.ReceiveDatagramAsync(buffer).DefaultTimeout();
        byte[] backBytes = buffer[..back];
        Assert.True(client.TrySendDatagram(Payload(2, client.MaxDatagramSize)));
        int largest = await server.ReceiveDatagramAsync(buffer).DefaultTimeout();
        byte[] largestBytes = buffer[..largest];
        Assert.True(server.TrySendDatagram([]));
        int empty = await client.ReceiveDatagramAsync(buffer).DefaultTimeout();

        // Assert
        Assert.Equal(Payload(1, 50), backBytes);
        Assert.Equal(Payload(2, client.MaxDatagramSize), largestBytes);
        Assert.Equal(0, empty);
        Assert.Equal(client.Conversation, server.Conversation);
        Assert.Equal(2, client.GetStatistics().Counters.OobDatagramsSent);
        Assert.Equal(2, server.GetStatistics().Counters.OobDatagramsReceived);
        Assert.Equal(2, server.GetStatistics().Counters.OobDatagramsSent);
    }

    [Fact]
    public async Task Datagrams_BesideABulkStream_ArriveWhileTheStreamStaysIntact()
    {
        // Arrange
        KcpOptions options = Options();
        await using var listener = KcpListener.Bind(Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        byte[] data = PipeTransfer.RandomBytes(4 << 20, seed: 31);
        Task write = PipeTransfer.WriteAllAsync(client.Output, data);
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        Task<byte[]> read = PipeTransfer.ReadExactlyAsync(server.Input, data.Length);

        // Act
        var received = new HashSet<int>();
        Task receive = Task.Run(async () =>
        {
            byte[] buffer = new byte[1500];
            while (received.Count < 200)
            {
                int n = await server.ReceiveDatagramAsync(buffer);
                Assert.Equal(64, n);
                int index = BitConverter.ToInt32(buffer);
                Assert.Equal(Payload(index, 64), buffer[..n]);
                received.Add(index);
            }
        });
        int sent = 0;
        for (int i = 0; i < 400 && !receive.IsCompleted; i++)
        {
            sent += client.TrySendDatagram(Payload(i, 64)) ? 1 : 0;
            await Task.Delay(1);
        }

        // Assert: loopback loses nothing here, but a datagram may still be lost, so only most must arrive.
        await write.DefaultTimeout();
        Assert.Equal(PipeTransfer.Sha256(data), PipeTransfer.Sha256(await read.DefaultTimeout()));
        await receive.DefaultTimeout();
        Assert.True(sent >= 200);
    }

    [Fact]
    public async Task Queue_FullWhileNobodyReads_KeepsTheNewestAndCountsTheDropped()
    {
        // Arrange
        KcpOptions options = Options();
        options.DatagramQueueLength = 4;
        await using var listener = KcpListener.Bind(Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        Assert.True(client.TrySendDatagram(Payload(0, 16)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;

        // Act
        for (int i = 1; i < 10; i++)
        {
            Assert.True(client.TrySendDatagram(Payload(i, 16)));
        }

        await WaitUntilAsync(() => server.GetStatistics().Counters.OobDatagramsReceived == 10);
        var read = new List<int>();
        byte[] buffer = new byte[64];
        while (server.TryReceiveDatagram(buffer, out int length))
        {
            Assert.Equal(16, length);
            read.Add(BitConverter.ToInt32(buffer));
        }

        // Assert
        Assert.Equal([6, 7, 8, 9], read);
        Assert.Equal(6, listener.Counters.Dropped(PacketDropReason.OobQueueFull));
        Assert.Equal(6, listener.GetMetricsSnapshot().OobDatagramsDropped);
    }

    [Fact]
    public async Task Receive_BufferTooShort_ThrowsAndKeepsTheDatagram()
    {
        KcpOptions options = Options();
        await using var listener = KcpListener.Bind(Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        Assert.True(client.TrySendDatagram(Payload(5, 40)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        await WaitUntilAsync(() => server.GetStatistics().Counters.OobDatagramsReceived == 1);

        var error = Assert.Throws<ArgumentException>(() => server.TryReceiveDatagram(new byte[10], out _));
        byte[] buffer = new byte[40];
        int length = await server.ReceiveDatagramAsync(buffer).DefaultTimeout();

        Assert.Contains("40 bytes", error.Message);
        Assert.Equal(Payload(5, 40), buffer[..length]);
    }

    [Fact]
    public async Task Send_LongerThanMaxDatagramSize_ThrowsNamingTheLimit()
    {
        KcpOptions options = Options("aes");
        await using var listener = KcpListener.Bind(Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);

        var error = Assert.Throws<ArgumentException>(() => client.TrySendDatagram(new byte[client.MaxDatagramSize + 1]));

        Assert.Equal(1368, client.MaxDatagramSize);
        Assert.Contains("MaxDatagramSize (1368 bytes", error.Message);
    }

    [Fact]
    public async Task Receive_SessionClosed_ReturnsWhatIsQueuedThenThrows()
    {
        // Arrange
        KcpOptions options = Options();
        await using var listener = KcpListener.Bind(Loopback, options);
        KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        Assert.True(client.TrySendDatagram(Payload(1, 8)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        byte[] buffer = new byte[64];
        Assert.Equal(8, await server.ReceiveDatagramAsync(buffer).DefaultTimeout());
        ValueTask<int> pending = client.ReceiveDatagramAsync(buffer);
        Assert.True(client.TrySendDatagram(Payload(2, 8)));
        await WaitUntilAsync(() => server.GetStatistics().Counters.OobDatagramsReceived == 2);

        // Act
        client.Abort();
        server.Abort();

        // Assert
        await Assert.ThrowsAsync<KcpSessionClosedException>(async () => await pending).DefaultTimeout();
        Assert.False(client.TrySendDatagram(Payload(3, 8)));
        Assert.Equal(8, await server.ReceiveDatagramAsync(buffer).DefaultTimeout());
        Assert.Equal(Payload(2, 8), buffer[..8]);
        await Assert.ThrowsAsync<KcpSessionClosedException>(async () => await server.ReceiveDatagramAsync(buffer)).DefaultTimeout();
    }

    [Fact]
    public async Task Receive_Cancelled_ThrowsAndTheNextReceiveStillWorks()
    {
        KcpOptions options = Options();
        await using var listener = KcpListener.Bind(Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        byte[] buffer = new byte[64];
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveDatagramAsync(buffer, cts.Token)).DefaultTimeout();
        ValueTask<int> next = client.ReceiveDatagramAsync(buffer);
        Assert.Throws<InvalidOperationException>(() => client.ReceiveDatagramAsync(buffer));
        Assert.True(client.TrySendDatagram(Payload(0, 4)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        Assert.Equal(4, await server.ReceiveDatagramAsync(buffer).DefaultTimeout());
        Assert.True(server.TrySendDatagram(Payload(9, 12)));

        Assert.Equal(12, await next.AsTask().DefaultTimeout());
        Assert.Equal(Payload(9, 12), buffer[..12]);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(TaskTimeoutExtensions.Default);
        while (!condition())
        {
            await Task.Delay(5, bound.Token);
        }
    }
}
