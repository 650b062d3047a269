namespace Kcp.Transport.Crypto;

/// <summary>A session under "null": datagrams leave as they are and every opened datagram is accepted.</summary>
internal sealed class NullSessionProtection : SessionProtection
{
    /// <summary>Returns <paramref name="datagram"/> unchanged: "null" has no header to fill.</summary>
    public override ReadOnlySpan<byte> Seal(Span<byte> datagram) => datagram;
}
