using System.Net;
using System.Net.Sockets;
using Kcp.Transport;

namespace Kcp.AspNetCore.Tests;

public sealed class KcpEndPointTests
{
    [Theory]
    [InlineData("127.0.0.1", 5000, "http://kcp:/127.0.0.1:5000")]
    [InlineData("::1", 6000, "http://kcp:/[::1]:6000")]
    public void ToString_AsKestrelListsIt_MarksKcpInTheHostPartAndParsesAsUri(string address, int port, string listed)
    {
        var endPoint = new KcpEndPoint(IPAddress.Parse(address), port);

        // Kestrel lists "{scheme}://{endpoint}" (as "http://unix:/path" for a Unix socket); hosts parse it with Uri.
        string text = "http://" + endPoint;
        var uri = new Uri(text);

        Assert.Equal(listed, text);
        Assert.Equal("kcp", uri.Host);
        Assert.EndsWith($":{port}", uri.AbsolutePath, StringComparison.Ordinal);
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
