using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Kcp.Transport.Protocol;

namespace Kcp.Benchmarks;

/// <summary>
/// Engine micro-benchmarks. <see cref="Flush"/> mirrors kcp-go's BenchmarkFlush (kcp_test.go): 1024 segments already
/// sent and not yet due, so a flush only walks snd_buf. The Input benchmarks feed one full 1400-byte datagram.
/// </summary>
[MemoryDiagnoser]
public class KcpControlBlockBenchmarks
{
    private const uint Conv = 1;
    private const int PushCount = 10;
    private const int PushPayload = 113; // 10 × (24 + 113) = 1370 bytes, one full datagram

    private KcpControlBlock _flushBlock = null!;
    private KcpControlBlock _ackBlock = null!;
    private KcpControlBlock _pushBlock = null!;
    private byte[] _ackDatagram = null!;
    private byte[] _pushDatagram = null!;
    private readonly byte[] _readBuffer = new byte[2048];
    private uint _nextSn;

    [GlobalSetup]
    public void Setup()
    {
        _flushBlock = NewSenderWithSegmentsInFlight(1024);
        _ackBlock = NewSenderWithSegmentsInFlight(1024);

        // 58 ACKs for sn 1..58 with una 0: selective ACK + fast-ack scan + one RTT sample, no window slide.
        int ackCount = 1400 / KcpSegmentHeader.Size;
        _ackDatagram = new byte[ackCount * KcpSegmentHeader.Size];
        for (int i = 0; i < ackCount; i++)
        {
            new KcpSegmentHeader(Conv, KcpCommand.Ack, 0, 1024, 0, (uint)(i + 1), 0, 0)
                .Write(_ackDatagram.AsSpan(i * KcpSegmentHeader.Size));
        }

        _pushBlock = new KcpControlBlock(Conv, new NullSink());
        _pushBlock.SetNoDelay(1, 10, 2, 1);
        _pushBlock.SetWindowSize(1024, 1024);
        _pushBlock.StreamMode = true;
        _pushDatagram = new byte[PushCount * (KcpSegmentHeader.Size + PushPayload)];
        for (int i = 0; i < PushCount; i++)
        {
            new KcpSegmentHeader(Conv, KcpCommand.Push, 0, 1024, 0, 0, 0, PushPayload)
                .Write(_pushDatagram.AsSpan(i * (KcpSegmentHeader.Size + PushPayload)));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flushBlock.Dispose();
        _ackBlock.Dispose();
        _pushBlock.Dispose();
    }

    /// <summary>kcp-go BenchmarkFlush: a full flush over 1024 in-flight segments of which none is due.</summary>
    [Benchmark]
    public uint Flush() => _flushBlock.Flush(1, ackOnly: false);

    /// <summary>Input of one datagram holding 58 ACK segments.</summary>
    [Benchmark]
    public int InputAcks() => _ackBlock.Input(_ackDatagram, regular: true, ackNoDelay: false, 5);

    /// <summary>Input of one datagram holding 10 new in-order PUSH segments, then reading them and flushing their ACKs.</summary>
    [Benchmark]
    public int InputPush()
    {
        // Fresh sequence numbers every time so each segment is new data, as in a steady transfer.
        for (int i = 0; i < PushCount; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(
                _pushDatagram.AsSpan((i * (KcpSegmentHeader.Size + PushPayload)) + 12), _nextSn++);
        }

        int rc = _pushBlock.Input(_pushDatagram, regular: true, ackNoDelay: false, 5);
        while (_pushBlock.Receive(_readBuffer) > 0)
        {
        }

        _pushBlock.Flush(6, ackOnly: true);
        return rc;
    }

    private static KcpControlBlock NewSenderWithSegmentsInFlight(int count)
    {
        var kcp = new KcpControlBlock(Conv, new NullSink());
        kcp.SetNoDelay(1, 10, 2, 1);
        kcp.SetWindowSize(count, count);

        // Let the peer's window admit all of them, then send each once at t = 0 (due again at t = rto).
        byte[] wins = new byte[KcpSegmentHeader.Size];
        new KcpSegmentHeader(Conv, KcpCommand.WindowTell, 0, (ushort)count, 0, 0, 0, 0).Write(wins);
        kcp.Input(wins, regular: true, ackNoDelay: false, 0);
        for (int i = 0; i < count; i++)
        {
            kcp.Send([(byte)i]);
        }

        kcp.Flush(0, ackOnly: false);
        return kcp;
    }

    private sealed class NullSink : IKcpOutputSink
    {
        public void Output(Span<byte> datagram)
        {
        }
    }
}
