using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpSegmentQueueTests
{
    private static KcpSegment Seg(uint sn) => new() { SequenceNumber = sn };

    private static uint[] Sns(KcpSegmentQueue queue) =>
        Enumerable.Range(0, queue.Count).Select(i => queue[i].SequenceNumber).ToArray();

    [Fact]
    public void PushBackPopFront_BeyondInitialCapacityWithWrappedHead_KeepsFifoOrder()
    {
        var queue = new KcpSegmentQueue();
        uint next = 0;
        uint expected = 0;
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 25; i++)
            {
                queue.PushBack(Seg(next++));
            }

            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(expected++, queue.PopFront().SequenceNumber);
            }
        }

        Assert.Equal(50, queue.Count);
        Assert.Equal(expected, queue.Front.SequenceNumber);
        Assert.Equal(next - 1, queue.Back.SequenceNumber);
    }

    [Fact]
    public void Insert_InMiddleOfWrappedRing_ShiftsLaterEntries()
    {
        var queue = new KcpSegmentQueue();
        for (uint i = 0; i < 30; i++)
        {
            queue.PushBack(Seg(i));
        }

        for (int i = 0; i < 28; i++)
        {
            queue.PopFront();
        }

        queue.PushBack(Seg(31));
        queue.PushBack(Seg(32));
        queue.PushBack(Seg(33));

        queue.Insert(3, Seg(30));

        Assert.Equal([28u, 29u, 31u, 30u, 32u, 33u], Sns(queue));
    }

    [Fact]
    public void Indexer_OutOfRange_Throws()
    {
        var queue = new KcpSegmentQueue();
        queue.PushBack(Seg(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => queue[1]);
        queue.PopFront();
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.PopFront());
    }
}
