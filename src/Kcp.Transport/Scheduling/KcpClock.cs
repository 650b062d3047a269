namespace Kcp.Transport.Scheduling;

/// <summary>
/// The millisecond clock a runtime's sessions run on: monotonic, read from the runtime's <see cref="TimeProvider"/>
/// (its high-resolution timestamp: <see cref="Environment.TickCount64"/> is coarse on Linux, up to a jiffy, too coarse
/// to space paced datagrams), so that tests drive time with a fake provider. The engine sees it truncated to 32 bits,
/// like kcp-go's.
/// </summary>
internal sealed class KcpClock
{
    private readonly long _ticksPerMs;
    private readonly double _msPerTick;

    public KcpClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        long frequency = time.TimestampFrequency;
        _ticksPerMs = frequency % 1000 == 0 ? frequency / 1000 : 0;
        _msPerTick = 1000.0 / frequency;
    }

    /// <summary>Where the time comes from.</summary>
    public TimeProvider Time { get; }

    /// <summary>True for the system's clock: waits can use the OS's timed waits directly.</summary>
    public bool IsSystem => ReferenceEquals(Time, TimeProvider.System);

    /// <summary>Milliseconds since an arbitrary start.</summary>
    public long NowMs64
    {
        get
        {
            long timestamp = Time.GetTimestamp();
            return _ticksPerMs != 0 ? timestamp / _ticksPerMs : (long)(timestamp * _msPerTick);
        }
    }
}
