using System.Buffers.Binary;
using System.Security.Cryptography;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Sessions;

/// <summary>
/// Drives a session's pure engine, which like ikcp.c takes time and bytes and emits datagrams through
/// <see cref="IKcpOutputSink"/>: configures it from the settings, gives it the session's clock, feeds it KCP parts with
/// our one addition to the wire (the close notice) recognized first, and lets ACKs leave early once a datagram's worth
/// is pending. Guarded by the session's lock.
/// </summary>
internal sealed class EngineDriver : IDisposable
{
    // Security (README "Security"): the engine's clock starts at a random offset, so that an ACK echoing one of our
    // (sn, ts) pairs proves that the peer receives at its address.
    private readonly uint _clockOffset = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));

    // ACKs for this many received segments (one datagram's worth) leave at once instead of waiting for the interval:
    // a fast sender's window keeps moving, for one small ACK datagram per that many segments at most.
    private readonly int _acksPerDatagram;
    private readonly bool _ackNoDelay;
    private readonly KcpClock _clock;

    /// <summary>An engine for <paramref name="conv"/> whose datagrams leave <paramref name="headerRoom"/> bytes in front and <paramref name="trailerSize"/> after.</summary>
    public EngineDriver(uint conv, KcpOptions options, int headerRoom, int trailerSize, IKcpOutputSink output, KcpClock clock)
    {
        _clock = clock;
        Engine = new KcpControlBlock(conv, output);
        Engine.SetMtu(options.Mtu - trailerSize);
        Engine.ReserveBytes(headerRoom);
        Engine.SetNoDelay(options.NoDelay, options.Interval, options.FastResend, options.NoCongestionWindow ? 1 : 0);
        Engine.SetWindowSize(options.SendWindow, options.ReceiveWindow);
        Engine.StreamMode = options.StreamMode;
        Engine.DeadLink = (uint)options.DeadLink;
        Engine.RedundantCopies = options.RedundantCopies;
        _ackNoDelay = options.AckNoDelay;
        _acksPerDatagram = Math.Max(1, (Engine.Mtu - Engine.Reserved) / KcpControlBlock.Overhead);
    }

    public KcpControlBlock Engine { get; }

    /// <summary>The engine's clock now.</summary>
    public uint Now => Time(_clock.NowMs64);

    /// <summary>The engine's clock at <paramref name="nowMs"/> of this process's clock.</summary>
    public uint Time(long nowMs) => unchecked((uint)nowMs + _clockOffset);

    /// <summary>
    /// Gives one KCP part to the engine, or, when it is the peer's close notice, its kind to <paramref name="notice"/>:
    /// false when it was malformed (the caller counts it).
    /// </summary>
    public bool Input(ReadOnlySpan<byte> kcp, bool regular, uint now, ref KcpCloseKind? notice)
    {
        if (KcpCloseNotice.TryRead(kcp, Engine.Conv, out KcpCloseKind kind))
        {
            notice = kind;
            return true;
        }

        return Engine.Input(kcp, regular, _ackNoDelay, now) >= 0;
    }

    /// <summary>Sends the ACKs owed once they fill a datagram, or at once when <paramref name="promptly"/> (a session's first datagram).</summary>
    public void AckIfDue(uint now, bool promptly = false)
    {
        if (Engine.PendingAcks >= _acksPerDatagram || (promptly && Engine.PendingAcks > 0))
        {
            Engine.Flush(now, ackOnly: true);
        }
    }

    /// <summary>The ARQ state now, with <paramref name="counters"/>.</summary>
    public KcpSessionStatistics Statistics(KcpMetricsSnapshot counters) => new(
        Engine.SmoothedRtt, Engine.RttVariance, Engine.RetransmissionTimeout, Engine.SendWindow, Engine.ReceiveWindow,
        Engine.RemoteWindow, Engine.CongestionWindow, InFlight: Engine.WaitSnd, counters);

    /// <summary>Sends our close notice of <paramref name="kind"/> (twice: it is one unacknowledged datagram) through the engine's output.</summary>
    public void SendCloseNotice(IKcpOutputSink output, KcpCloseKind kind)
    {
        int header = Engine.Reserved;
        Span<byte> datagram = stackalloc byte[header + KcpCloseNotice.Size];
        for (int i = 0; i < 2; i++)
        {
            datagram.Clear();
            KcpCloseNotice.Write(datagram.Slice(header), Engine.Conv, Now, kind);
            output.Output(datagram);
        }
    }

    public void Dispose() => Engine.Dispose();
}
