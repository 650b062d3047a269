namespace Kcp.Transport.Diagnostics;

/// <summary>
/// The smux counters of one meter (one <see cref="KcpInstruments"/>), shared by every smux session reporting to it:
/// plain interlocked counters that the observable instruments read when a collector asks, so a frame costs one
/// interlocked add and no allocation, observed or not.
/// </summary>
internal sealed class SmuxCounters
{
    /// <summary>Frame types by command byte (SYN, FIN, PSH, NOP, UPD), the tag values of <c>kcp.smux.frame.type</c>.</summary>
    public static readonly string[] FrameTypes = ["syn", "fin", "psh", "nop", "upd"];

    private readonly long[] _framesIn = new long[FrameTypes.Length];
    private readonly long[] _framesOut = new long[FrameTypes.Length];
    private readonly long[] _errors = new long[SmuxProtocolErrorNames.Count];
    private long _streamsOpened;
    private long _streamsActive;
    private long _sessionsActive;

    public void FrameReceived(byte command) => Interlocked.Increment(ref _framesIn[command]);

    public void FrameSent(byte command) => Interlocked.Increment(ref _framesOut[command]);

    public void ProtocolError(SmuxProtocolError error) => Interlocked.Increment(ref _errors[(int)error]);

    public void StreamOpened()
    {
        Interlocked.Increment(ref _streamsOpened);
        Interlocked.Increment(ref _streamsActive);
    }

    public void StreamClosed() => Interlocked.Decrement(ref _streamsActive);

    public void SessionOpened() => Interlocked.Increment(ref _sessionsActive);

    public void SessionClosed() => Interlocked.Decrement(ref _sessionsActive);

    public long FramesReceived(int command) => Volatile.Read(ref _framesIn[command]);

    public long FramesSent(int command) => Volatile.Read(ref _framesOut[command]);

    public long Errors(SmuxProtocolError error) => Volatile.Read(ref _errors[(int)error]);

    public long StreamsOpened => Volatile.Read(ref _streamsOpened);

    public long StreamsActive => Volatile.Read(ref _streamsActive);

    public long SessionsActive => Volatile.Read(ref _sessionsActive);
}
