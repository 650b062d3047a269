namespace Kcp.Transport.Scheduling;

/// <summary>The millisecond clock every session runs on: monotonic, truncated to 32 bits like kcp-go's.</summary>
internal static class KcpClock
{
    public static uint NowMs => unchecked((uint)Environment.TickCount64);

    public static long NowMs64 => Environment.TickCount64;
}
