using System.Net;
using System.Net.Sockets;
using Kcp.Transport;

namespace Kcp.AspNetCore.Tests;

public sealed class KcpEndPointTests
{
    [Theory]
    [InlineData("127.0.0.1", 5000)]
    [InlineData("::1", 6000)]
    public void ToString_PrefixedWithHttpScheme_ParsesAsUriWithTheRealHostAndPort(string address, int port)
    {
        var endPoint = new KcpEndPoint(IPAddress.Parse(address), port);

        // Kestrel publishes "http://{endpoint}" and WebApplicationFactory parses it with Uri.
        var uri = new Uri("http://" + endPoint);

        Assert.Equal(port, uri.Port);
        Assert.Equal(IPAddress.Parse(address), IPAddress.Parse(uri.Host.Trim('[', ']')));
    }

    [Fact]
    public void AddressFamily_IPv6Address_IsInterNetworkV6()
    {
        var endPoint = new KcpEndPoint(IPAddress.IPv6Loopback, 1);

        Assert.Equal(AddressFamily.InterNetworkV6, endPoint.AddressFamily);
    }

    [Fact]
    public void Equals_SameAddressAndSameOptions_IsTrueAndHashesMatch()
    {
        var options = new KcpOptions();
        var a = new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 5000), options);
        var b = new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 5000), options);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_DifferentPortOrOptions_IsFalse()
    {
        var a = new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 5000), new KcpOptions());

        Assert.NotEqual(a, new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 5001), a.Options));
        Assert.NotEqual(a, new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 5000), new KcpOptions()));
        Assert.False(a.Equals(new IPEndPoint(IPAddress.Loopback, 5000)));
    }
}
