using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpControlBlockSendReceiveTests
{
    private const uint Conv = 0x01020304;
    private readonly CapturingSink _sink = new();

    private KcpControlBlock NewSender(int mtu = 1400)
    {
        var kcp = new KcpControlBlock(Conv, _sink);
        Assert.True(kcp.SetMtu(mtu));
        kcp.SetNoDelay(-1, -1, -1, 1);
        kcp.SetWindowSize(256, 256);
        return kcp;
    }

    [Fact]
    public void Send_Empty_ReturnsMinusOne()
    {
        using var kcp = NewSender();

        Assert.Equal(-1, kcp.Send([]));
        Assert.Equal(0, kcp.WaitSnd);
    }

    [Fact]
    public void Send_MessageMode_FragmentsWithCountdown()
    {
        using var kcp = NewSender(mtu: 50); // mss 26
        byte[] message = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();

        Assert.Equal(0, kcp.Send(message));
        kcp.Flush(0, ackOnly: false);

        var pushes = _sink.Drain();
        Assert.Equal([2, 1, 0], pushes.Select(s => (int)s.Header.Fragment));
        Assert.Equal([0u, 1u, 2u], pushes.Select(s => s.Sn));
        Assert.Equal([26, 26, 8], pushes.Select(s => s.Data.Length));
        Assert.Equal(message, pushes.SelectMany(s => s.Data));
    }

    [Fact]
    public void Send_StreamMode_TopsUpLastQueuedSegmentAndUsesFrgZero()
    {
        using var kcp = NewSender(mtu: 50);
        kcp.StreamMode = true;

        kcp.Send(new byte[10]);
        kcp.Send(new byte[30]);
        Assert.Equal(2, kcp.WaitSnd); // 10 + 16 fill the first segment, 14 start the second
        kcp.Flush(0, ackOnly: false);

        var pushes = _sink.Drain();
        Assert.Equal([26, 14], pushes.Select(s => s.Data.Length));
        Assert.All(pushes, s => Assert.Equal(0, s.Header.Fragment));
    }

    [Fact]
    public void Send_StreamMode_DoesNotAppendToSegmentsInFlight()
    {
        using var kcp = NewSender(mtu: 50);
        kcp.StreamMode = true;
        kcp.Send(new byte[10]);
        kcp.Flush(0, ackOnly: false);
        _sink.Drain();

        kcp.Send(new byte[5]);
        kcp.Flush(1, ackOnly: false);

        var push = Assert.Single(_sink.Drain());
        Assert.Equal(1u, push.Sn);
        Assert.Equal(5, push.Data.Length);
    }

    [Fact]
    public void Send_MoreThan255Fragments_ReturnsMinusTwo()
    {
        using var kcp = NewSender(mtu: 50);
        kcp.StreamMode = true; // the receive-window rule does not apply in stream mode

        Assert.Equal(-2, kcp.Send(new byte[(26 * 255) + 1]));
        Assert.Equal(0, kcp.Send(new byte[26 * 255]));
        Assert.Equal(255, kcp.WaitSnd);
    }

    [Fact]
    public void Send_MessageLongerThanReceiveWindow_ReturnsMinusTwo()
    {
        using var kcp = NewSender(mtu: 50);
        kcp.SetWindowSize(32, 8);

        Assert.Equal(-2, kcp.Send(new byte[(26 * 8) + 1]));
        Assert.Equal(0, kcp.Send(new byte[26 * 8]));
    }

    [Fact]
    public void Receive_Nothing_ReturnsMinusOne()
    {
        using var kcp = NewSender();

        Assert.Equal(-1, kcp.PeekSize());
        Assert.Equal(-1, kcp.Receive(new byte[100]));
    }

    [Fact]
    public void Receive_IncompleteMessage_ReturnsMinusOneUntilLastFragment()
    {
        using var kcp = NewSender();
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1, 2], frg: 1)), true, false, 5);
        Assert.Equal(-1, kcp.PeekSize());

        kcp.Input(Segments.Build(Segments.Push(Conv, 1, 1, [3], frg: 0)), true, false, 5);

        Assert.Equal(3, kcp.PeekSize());
        byte[] buffer = new byte[3];
        Assert.Equal(3, kcp.Receive(buffer));
        Assert.Equal([1, 2, 3], buffer);
    }

    [Fact]
    public void Receive_BufferTooSmall_ReturnsMinusTwoAndKeepsMessage()
    {
        using var kcp = NewSender();
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1, 2, 3])), true, false, 5);

        Assert.Equal(-2, kcp.Receive(new byte[2]));
        Assert.Equal(3, kcp.Receive(new byte[3]));
    }

    [Fact]
    public void Receive_OutOfOrderSegments_DeliveredInSnOrder()
    {
        using var kcp = NewSender();
        kcp.StreamMode = true;
        kcp.Input(Segments.Build(Segments.Push(Conv, 2, 1, [3]), Segments.Push(Conv, 1, 1, [2])), true, false, 5);
        Assert.Equal(-1, kcp.PeekSize());

        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1])), true, false, 5);

        byte[] one = new byte[1];
        var received = new List<byte>();
        while (kcp.Receive(one) == 1)
        {
            received.Add(one[0]);
        }

        Assert.Equal([1, 2, 3], received);
    }
}
