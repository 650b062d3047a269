namespace Kcp.Transport.Protocol;

/// <summary>Wrap-safe arithmetic on the 32-bit millisecond clock and sequence numbers KCP uses.</summary>
internal static class KcpTime
{
    /// <summary>Signed distance <paramref name="later"/> − <paramref name="earlier"/>, correct across the 2^32 wrap.</summary>
    public static int Diff(uint later, uint earlier) => unchecked((int)(later - earlier));
}
