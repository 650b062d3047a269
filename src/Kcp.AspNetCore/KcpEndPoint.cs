using System.Net;
using System.Net.Sockets;
using Kcp.AspNetCore.Internal;
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

    /// <summary>Where this endpoint was declared, for the start-up log (<c>Kcp:Endpoints:Api, Url kcp://*:6000</c>); null for code.</summary>
    internal string? DeclaredAs { get; init; }

    /// <summary>The endpoint as a <c>kcp://</c> URL, as <c>Kcp:Endpoints:&lt;name&gt;:Url</c> writes it: <c>kcp://127.0.0.1:6000</c>, <c>kcp://[::1]:6000</c>.</summary>
    internal string Url => KcpEndpointUrl.Prefix + IPEndPoint;

    /// <summary>
    /// <c>kcp:/ip:port</c>. Kestrel lists and logs an endpoint as <c>{scheme}://{endpoint}</c>, so a KCP endpoint reads
    /// <c>http://kcp:/127.0.0.1:6000</c>, marked in the host part as Kestrel marks its other non-TCP endpoints
    /// (<c>http://unix:/run/app.sock</c>, <c>http://pipe:/name</c>): no address a browser could open. Like those, it
    /// parses as a <see cref="Uri"/> (host <c>kcp</c>), which hosts such as WebApplicationFactory do with every address.
    /// </summary>
    public override string ToString() => "kcp:/" + IPEndPoint;

    /// <inheritdoc />
    // Kestrel compares endpoints when configuration reloads; the same address with the same settings object is equal.
    public override bool Equals(object? obj)
        => obj is KcpEndPoint other && IPEndPoint.Equals(other.IPEndPoint) && ReferenceEquals(Options, other.Options);

    /// <inheritdoc />
    public override int GetHashCode() => IPEndPoint.GetHashCode();
}
