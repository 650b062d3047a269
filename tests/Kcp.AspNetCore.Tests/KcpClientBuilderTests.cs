using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Kcp.AspNetCore.Tests;

public sealed class KcpClientBuilderTests
{
    [Fact]
    public void Build_NoTransport_ThrowsInvalidOperation()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new KcpClientBuilder().Build());

        Assert.Contains("No transport configured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_WithDecorators_AppliesThemInOrderAroundTheKcpFactory()
    {
        var order = new List<string>();
        IConnectionFactory built = new KcpClientBuilder()
            .UseKcp(o => o.Mtu = 1200)
            .Use(inner => new RecordingFactory(inner, "inner", order))
            .Use(inner => new RecordingFactory(inner, "outer", order))
            .Build();

        var outer = Assert.IsType<RecordingFactory>(built);
        var inner = Assert.IsType<RecordingFactory>(outer.Inner);
        var kcp = Assert.IsType<KcpConnectionFactory>(inner.Inner);
        Assert.Equal(1200, kcp.Options.Mtu);
        await using ConnectionContext connection = await built.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 9)).DefaultTimeout();
        Assert.Equal(["outer", "inner"], order);
        await kcp.DisposeAsync();
    }

    [Fact]
    public void AddKcpClient_Registered_ResolvesOneFactoryAsBothTypes()
    {
        var services = new ServiceCollection().AddLogging().AddKcpClient(o => o.SendWindow = 64);
        using ServiceProvider provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredService<KcpConnectionFactory>();

        Assert.Same(factory, provider.GetRequiredService<IConnectionFactory>());
        Assert.Equal(64, factory.Options.SendWindow);
    }

    [Fact]
    public void AddKcpClient_InvalidOptions_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKcpClient(o => o.SendWindow = 0));

        Assert.Contains("KcpOptions.SendWindow", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingFactory(IConnectionFactory inner, string name, List<string> order) : IConnectionFactory
    {
        public IConnectionFactory Inner => inner;

        public ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        {
            order.Add(name);
            return inner.ConnectAsync(endpoint, cancellationToken);
        }
    }
}
