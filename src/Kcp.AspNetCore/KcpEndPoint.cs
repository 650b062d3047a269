using System.Net;
using System.Net.Sockets;
using Kcp.Transport;

namespace Kcp.AspNetCore;

/// <summary>
/// A KCP listen (or dial) address: a UDP <see cref="IPEndPoint"/> plus the KCP settings for it. It is a type of its
/// own, not an <see cref="IPEndPoint"/>, so that Kestrel picks <see cref="KcpTransportFactory"/> for it and the
/// Sockets transport keeps every TCP endpoint.
/// </summary>
public sealed class KcpEndPoint : EndPoint
{
    /// <summary>Creates an endpoint for <paramref name="endPoint"/>; <paramref name="options"/> null means the transport defaults.</summary>
    public KcpEndPoint(IPEndPoint endPoint, KcpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        IPEndPoint = endPoint;
        Options = options;
    }

    /// <summary>Creates an endpoint for <paramref name="address"/> and <paramref name="port"/> with the transport defaults.</summary>
    public KcpEndPoint(IPAddress address, int port)
        : this(new IPEndPoint(address, port))
    {
    }

    /// <summary>The UDP address.</summary>
    public IPEndPoint IPEndPoint { get; }

    /// <summary>The KCP settings of this endpoint, or null to use <see cref="KcpTransportOptions.Defaults"/>.</summary>
    public KcpOptions? Options { get; }

    /// <inheritdoc />
    // The base class throws here; Kestrel's metrics read it for every connection.
    public override AddressFamily AddressFamily => IPEndPoint.AddressFamily;

    /// <summary>
    /// <c>ip:port/kcp</c>. Kestrel prints and publishes addresses as <c>http://{endpoint}</c>, and hosts such as
    /// WebApplicationFactory parse that with <see cref="Uri"/>: this form parses, unlike <c>kcp:ip:port</c>.
    /// </summary>
    public override string ToString() => IPEndPoint + "/kcp";

    /// <inheritdoc />
    // Kestrel compares endpoints when configuration reloads; the same address with the same settings object is equal.
    public override bool Equals(object? obj)
        => obj is KcpEndPoint other && IPEndPoint.Equals(other.IPEndPoint) && ReferenceEquals(Options, other.Options);

    /// <inheritdoc />
    public override int GetHashCode() => IPEndPoint.GetHashCode();
}
