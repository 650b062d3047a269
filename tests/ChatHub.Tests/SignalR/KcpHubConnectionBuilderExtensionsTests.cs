using System.Net;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatHub.Tests.SignalR;

public sealed class KcpHubConnectionBuilderExtensionsTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Loopback, 5000);

    [Fact]
    public async Task WithKcp_IPEndPoint_RegistersKcpConnectionFactoryAndTheEndPoint()
    {
        // Arrange
        var builder = new HubConnectionBuilder();

        // Act
        builder.WithKcp(Server);

        // Assert
        await using ServiceProvider services = builder.Services.BuildServiceProvider();
        Assert.IsType<KcpConnectionFactory>(services.GetRequiredService<IConnectionFactory>());
        Assert.Same(Server, services.GetRequiredService<EndPoint>());
    }

    [Fact]
    public async Task WithKcp_Build_CreatesAHubConnectionThatIsNotStarted()
    {
        // Arrange
        var builder = new HubConnectionBuilder().WithKcp(Server, o => o.Crypt = "null");

        // Act
        await using HubConnection connection = builder.Build();

        // Assert: without WithKcp, Build() throws for lack of an IConnectionFactory and an EndPoint.
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
    }

    [Fact]
    public void WithKcp_CalledTwice_LastEndPointWins()
    {
        // Arrange
        var other = new IPEndPoint(IPAddress.Loopback, 6000);
        var builder = new HubConnectionBuilder().WithKcp(Server);

        // Act
        builder.WithKcp(other);

        // Assert
        using ServiceProvider services = builder.Services.BuildServiceProvider();
        Assert.Same(other, services.GetRequiredService<EndPoint>());
    }

    [Theory]
    [InlineData("Mtu")]
    [InlineData("SendWindow")]
    [InlineData("Key")]
    public void WithKcp_InvalidOptions_ThrowsNamingTheSetting(string setting)
    {
        // Arrange
        var builder = new HubConnectionBuilder();
        Action<Kcp.Transport.KcpOptions> configure = setting switch
        {
            "Mtu" => o => o.Mtu = 9000,
            "SendWindow" => o => o.SendWindow = 0,
            _ => o =>
            {
                o.Crypt = "aes";
                o.Key = null;
            },
        };

        // Act
        var error = Assert.Throws<ArgumentException>(() => builder.WithKcp(Server, configure));

        // Assert
        Assert.Contains($"KcpOptions.{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithKcp_UnsupportedEndPointType_Throws()
    {
        // Arrange
        var builder = new HubConnectionBuilder();

        // Act + Assert
        var error = Assert.Throws<ArgumentException>(() => builder.WithKcp(new DnsEndPoint("localhost", 5000)));
        Assert.Equal("endPoint", error.ParamName);
    }
}
