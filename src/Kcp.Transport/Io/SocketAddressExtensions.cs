
namespace Kcp.Transport.Io;

internal static class SocketAddressExtensions
{
    /// <summary>Decodes a socket address into an endpoint (allocates: for session creation and logs, not per packet).</summary>
    public static IPEndPoint ToIPEndPoint(this SocketAddress address)
        => (IPEndPoint)new IPEndPoint(address.Family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0).Create(address);

    /// <summary>An owned copy of an address the receive loop will overwrite.</summary>
    public static SocketAddress Clone(this SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span.CopyTo(copy.Buffer.Span);
        return copy;
    }
}
