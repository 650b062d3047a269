// The newcomer's code below needs only the Web SDK's implicit usings (Microsoft.AspNetCore.Builder, .Hosting, .Http,
// .Routing, Microsoft.Extensions.Configuration, .DependencyInjection, .Hosting, .Logging and System.*), plus
// System.Net for IPEndPoint, which a Program.cs imports too. Nothing from Kcp.*, and not Kestrel's own
// Microsoft.AspNetCore.Server.Kestrel.Core. This test runs it; tests/Kcp.Packaging.Tests' ReadmeCodeTests compile the
// README's own code in a project with exactly the SDK's implicit usings.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// What the assertions use (the newcomer's code does not).
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Net.Sockets;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;

// Deliberately outside Kcp.*: a newcomer's Program.cs is in a namespace of its own.
namespace NewcomerApp;

public sealed class NewcomerProgramTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CommonPath_ConfigurationAndEveryListenKcpForm_NeedsNoKcpNamespace()
    {
        int apiPort = FreeAnyAddressUdpPort();
        int localhostPort = FreeAnyAddressUdpPort();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kcp:Endpoints:Api:Url"] = $"kcp://127.0.0.1:{apiPort}",
            ["Kcp:Endpoints:Api:Crypt"] = "aes-128-gcm",
            ["Kcp:Endpoints:Api:Key"] = "newcomer",
        });

        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenKcp(new IPEndPoint(IPAddress.Loopback, 0));
            kestrel.ListenKcpAnyIP(0, kcp => kcp.Mtu = 1200);
            kestrel.ListenKcpLocalhost(localhostPort);
        });
        builder.Services.AddHealthChecks().AddKcp();
        builder.Services.AddKcpClient();
        builder.Services.AddHttpClient("api", client => client.BaseAddress = new Uri("http://api.kcp/"))
            .UseKcp(builder.Configuration.GetKcpEndPoint("Api"));

        await using WebApplication app = builder.Build();
        app.MapGet("/", () => "hello, newcomer");
        await app.StartAsync().WaitAsync(Timeout);
        try
        {
            HttpClient client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("api");

            string body = await client.GetStringAsync("/").WaitAsync(Timeout);

            Assert.Equal("hello, newcomer", body);
            ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            int localhostSockets = Socket.OSSupportsIPv6 ? 2 : 1;
            Assert.Equal(3 + localhostSockets, addresses.Count(a => a.StartsWith("http://kcp:/", StringComparison.Ordinal)));
            Assert.Contains($"http://kcp:/127.0.0.1:{apiPort}", addresses);
            Assert.Contains($"http://kcp:/127.0.0.1:{localhostPort}", addresses);
        }
        finally
        {
            await app.StopAsync().WaitAsync(Timeout);
        }
    }

    [Fact]
    public void ListenKcpLocalhost_PortZero_ThrowsSayingWhy()
    {
        var options = new KestrelServerOptions();

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => options.ListenKcpLocalhost(0));

        Assert.Contains("ListenKcpLocalhost needs a port from 1 to 65535", error.Message, StringComparison.Ordinal);
    }
}
