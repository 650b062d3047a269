using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Security;

/// <summary>
/// What out-of-band datagrams may do to a listener: open a session only under a keyed cipher, never replace a session of
/// another conversation, pass the replay window, respect the amplification budget; and a session a datagram opened
/// for a stream that began with an earlier server ends, so the peer gets a reset.
/// </summary>
public sealed class DatagramAdmissionTests
{
    [Theory]
    [InlineData("null")]
    [InlineData("none")]
    public async Task Datagram_UnknownAddressWithoutKey_OpensNoSession(string crypt)
    {
        // Arrange
        KcpOptions options = DatagramTests.Options(crypt);
        await using var listener = KcpListener.Bind(SecurityTestSupport.Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);

        // Act
        Assert.True(client.TrySendDatagram(DatagramTests.Payload(0, 32)));
        await DatagramTests.WaitUntilAsync(() => listener.Counters.Dropped(PacketDropReason.NoSession) == 1);
        using var noSession = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        ValueTask<KcpSession?> accept = listener.AcceptAsync(noSession.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await accept);

        // The stream opens it; datagrams flow from then on.
        await client.Output.WriteAsync(new byte[] { 1 });
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        Assert.True(client.TrySendDatagram(DatagramTests.Payload(1, 32)));
        byte[] buffer = new byte[64];
        int length = await server.ReceiveDatagramAsync(buffer).DefaultTimeout();

        // Assert
        Assert.Equal(DatagramTests.Payload(1, 32), buffer[..length]);
        Assert.Equal(1, listener.GetMetricsSnapshot().PassiveOpens);
    }

    [Fact]
    public async Task Datagram_OfAnotherConversation_IsDroppedAndDoesNotReplaceTheSession()
    {
        // Arrange: kcp-go 5.6.72's listener would close the session here (an OOB datagram's "sn" reads as 0).
        KcpOptions options = DatagramTests.Options("null", 0, 0);
        await using var listener = KcpListener.Bind(SecurityTestSupport.Loopback, options);
        await using var relay = new CaptureRelay(listener.LocalEndPoint);
        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options);
        await client.Output.WriteAsync(new byte[] { 1 });
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        byte[] foreign = new byte[OobPacket.HeaderSize + 16];
        OobPacket.Write(foreign, client.Conversation + 1, new byte[16]);

        // Act
        relay.Upstream.SendTo(foreign, listener.LocalEndPoint);
        await DatagramTests.WaitUntilAsync(() => listener.Counters.Dropped(PacketDropReason.UnknownConversation) == 1);
        Assert.True(client.TrySendDatagram(DatagramTests.Payload(3, 8)));
        byte[] buffer = new byte[64];
        int length = await server.ReceiveDatagramAsync(buffer).DefaultTimeout();

        // Assert
        Assert.Equal(KcpCloseReason.None, server.CloseReason);
        Assert.Equal(DatagramTests.Payload(3, 8), buffer[..length]);
        Assert.Equal(1, server.GetStatistics().Counters.OobDatagramsReceived);
    }

    [Fact]
    public async Task Datagram_ReplayedUnderAesGcm_IsDropped()
    {
        // Arrange
        KcpOptions options = DatagramTests.Options("aes-128-gcm");
        await using var listener = KcpListener.Bind(SecurityTestSupport.Loopback, options);
        await using var relay = new CaptureRelay(listener.LocalEndPoint);
        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options);
        Assert.True(client.TrySendDatagram(DatagramTests.Payload(0, 20)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        byte[] buffer = new byte[64];
        await server.ReceiveDatagramAsync(buffer).DefaultTimeout();
        byte[] captured = relay.ToServer.Single();

        // Act
        relay.Upstream.SendTo(captured, listener.LocalEndPoint);
        await DatagramTests.WaitUntilAsync(() => listener.Counters.Dropped(PacketDropReason.Replayed) == 1);

        // Assert
        Assert.Equal(1, server.GetStatistics().Counters.OobDatagramsReceived);
        Assert.False(server.TryReceiveDatagram(buffer, out _));
    }

    [Fact]
    public async Task Send_UnvalidatedPassiveSession_StaysWithinTheBudgetAndLeavesTheStreamItsShare()
    {
        // Arrange: the peer sent ten 232-byte datagrams (aes: 20 + 12 + 200): a budget of 3 x 2,320 = 6,960 bytes,
        // 52 datagrams of 132 bytes.
        KcpOptions options = DatagramTests.Options("aes");
        await using var listener = KcpListener.Bind(SecurityTestSupport.Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(client.TrySendDatagram(DatagramTests.Payload(i, 200)));
        }

        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        await DatagramTests.WaitUntilAsync(() => server.GetStatistics().Counters.OobDatagramsReceived == 10);

        // Act: datagrams until the budget is spent; then the stream's answer, which the budget holds back.
        int sent = 0;
        while (server.TrySendDatagram(new byte[100]) && sent < 1000)
        {
            sent++;
        }

        await server.Output.WriteAsync(new byte[1000]);

        // The server keeps offering datagrams while the peer keeps sending (an interactive peer): the stream's answer
        // still gets through, and its ACK validates the address.
        Task<byte[]> answer = PipeTransfer.ReadExactlyAsync(client.Input, 1000);
        for (int i = 10; !answer.IsCompleted && i < 200; i++)
        {
            client.TrySendDatagram(DatagramTests.Payload(i, 200));
            for (int j = 0; j < 5; j++)
            {
                server.TrySendDatagram(new byte[100]);
            }

            await Task.Delay(20);
        }

        await answer.DefaultTimeout();
        await DatagramTests.WaitUntilAsync(() => server.Core.IsAddressValidated);

        // Assert
        Assert.Equal(52, sent);
        Assert.True(listener.Counters.Dropped(PacketDropReason.OobAmplificationLimit) >= 1);
        Assert.True(server.TrySendDatagram(new byte[100]));
    }

    [Fact]
    public async Task DatagramOpenedSession_StreamOfAnEarlierServer_EndsAndThePeerIsReset()
    {
        // Arrange: a client whose server restarted keeps sending datagrams and the stream it had (una 3, sn 500).
        KcpOptions options = DatagramTests.Options("aes", 0, 0);
        await using var listener = KcpListener.Bind(SecurityTestSupport.Loopback, options);
        using PacketProtection key = CipherRegistry.Create("aes", KcpCrypt.DeriveKey(options.Key!));
        using Socket peer = SecurityTestSupport.NewSocket();
        const uint Conv = 0x1234;
        byte[] oob = new byte[OobPacket.HeaderSize + 5];
        OobPacket.Write(oob, Conv, "hello"u8);
        peer.SendTo(Seal(key, oob), listener.LocalEndPoint);
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;
        byte[] buffer = new byte[64];
        Assert.Equal(5, await server.ReceiveDatagramAsync(buffer).DefaultTimeout());

        // Act
        peer.SendTo(Seal(key, Push(Conv, sn: 500, una: 3)), listener.LocalEndPoint);
        await server.Closed.WhenCancelled().DefaultTimeout();
        peer.SendTo(Seal(key, Push(Conv, sn: 501, una: 3)), listener.LocalEndPoint);
        await DatagramTests.WaitUntilAsync(() => listener.Counters.ResetsSent >= 1);

        // Assert
        Assert.Equal(KcpCloseReason.Aborted, server.CloseReason);
        Assert.True(listener.Counters.Dropped(PacketDropReason.Tombstoned) >= 1);
    }

    [Fact]
    public async Task DatagramOpenedSession_FreshStream_Continues()
    {
        KcpOptions options = DatagramTests.Options("aes", 0, 0);
        await using var listener = KcpListener.Bind(SecurityTestSupport.Loopback, options);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        Assert.True(client.TrySendDatagram(DatagramTests.Payload(0, 8)));
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await using var serverScope = server;

        await client.Output.WriteAsync("stream"u8.ToArray());
        byte[] read = await PipeTransfer.ReadExactlyAsync(server.Input, 6).DefaultTimeout();

        Assert.Equal("stream"u8.ToArray(), read);
        Assert.Equal(KcpCloseReason.None, server.CloseReason);
    }

    [Fact]
    public void Budget_DatagramsWhileTheStreamWaits_LeaveTheReserveAndTakeNoProbes()
    {
        // 1,000 bytes received: a budget of 3,000, 500 of it spent.
        var guard = new Kcp.Transport.Sessions.AmplificationGuard(validated: false, factor: 3, nowMs: 0);
        guard.OnReceived(1000);
        guard.OnSent(500);

        Assert.True(guard.FitsBudget(2500, reserve: 0));
        Assert.False(guard.FitsBudget(2501, reserve: 0));
        Assert.True(guard.FitsBudget(1100, reserve: 1400));
        Assert.False(guard.FitsBudget(1101, reserve: 1400));
        Assert.True(guard.MaySend(5000, nowMs: 10_000));          // the stream's probe is still there...
        Assert.False(guard.FitsBudget(2501, reserve: 0));         // ...and datagrams never take one
        Assert.True(guard.Validate());
        Assert.True(guard.FitsBudget(1_000_000, reserve: 1400));
    }

    private static byte[] Push(uint conv, uint sn, uint una)
    {
        byte[] segment = new byte[KcpSegmentHeader.Size + 1];
        KcpSegmentHeader.Write(segment, conv, KcpCommand.Push, 0, 128, 1000, sn, una, 1);
        return segment;
    }

    private static byte[] Seal(PacketProtection key, ReadOnlySpan<byte> payload)
    {
        byte[] datagram = new byte[key.HeaderSize + payload.Length + key.TrailerSize];
        payload.CopyTo(datagram.AsSpan(key.HeaderSize));
        key.SealWithNonce(datagram, RandomNumberGenerator.GetBytes(Fec.OobGoldenVectorTests.NonceSize(key)));
        return datagram;
    }
}

internal static class CancellationTokenTaskExtensions
{
    public static Task WhenCancelled(this CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }
}
