using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Kcp.AspNetCore.Tests.ConfiguredKcpHost;

namespace Kcp.AspNetCore.Tests;

/// <summary>Endpoints declared under <c>Kcp:Endpoints</c> bind, with <c>Kcp:Defaults</c> under their own keys, and clients read the same section.</summary>
public sealed class ConfigurationEndpointTests
{
    private static void MapHello(WebApplication app) => app.MapGet("/hello", (HttpContext context) => "hello over " + context.Request.Protocol);

    private static HttpClient KcpHttpClient(KcpEndPoint endPoint)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("kcp", client =>
        {
            client.BaseAddress = new Uri("http://kcp.test/");
            client.Timeout = TestTimeouts.Default;
        }).UseKcp(endPoint);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("kcp");
    }

    [Fact]
    public async Task ConfiguredEndpoint_AesAndFecFromDefaults_ServesHttpToAnHttpClientFactoryClient()
    {
        WebApplication app = await StartAsync(
        [
            Setting("Kcp:Defaults:Crypt", "aes"),
            Setting("Kcp:Defaults:Key", "configured secret"),
            Setting("Kcp:Defaults:DataShards", "10"),
            Setting("Kcp:Defaults:ParityShards", "3"),
            Setting("Kcp:Endpoints:Api:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:Api:Preset", "Fast3"),
        ], mapApp: MapHello);
        try
        {
            KcpOptions bound = BoundEndPoint(app).Options!;
            using HttpClient client = KcpHttpClient(ClientEndPoint(app));

            string body = await client.GetStringAsync("hello").DefaultTimeout();

            Assert.Equal("hello over HTTP/1.1", body);
            Assert.Equal(("aes", 10, 3), (bound.Crypt, bound.DataShards, bound.ParityShards));
            Assert.Equal((1, 10), (bound.NoDelay, bound.Interval));
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task ConfiguredEndpoint_NestedSecurityKeys_BindOverTheDefaultsNestedKeys()
    {
        WebApplication app = await StartAsync(
        [
            Setting("Kcp:Defaults:Security:MaxTombstones", "5"),
            Setting("Kcp:Defaults:Security:AmplificationFactor", "4"),
            Setting("Kcp:Endpoints:Api:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:Api:Security:AmplificationFactor", "7"),
            Setting("Kcp:Endpoints:Api:Security:TombstoneLifetime", "00:00:30"),
        ]);
        try
        {
            KcpSecurityOptions security = BoundEndPoint(app).Options!.Security;

            Assert.Equal(5, security.MaxTombstones);
            Assert.Equal(7, security.AmplificationFactor);
            Assert.Equal(TimeSpan.FromSeconds(30), security.TombstoneLifetime);
            Assert.Equal(new KcpSecurityOptions().MaxUnvalidatedSessions, security.MaxUnvalidatedSessions);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task ConfiguredEndpoint_SmuxKeys_TurnSmuxOnWithTheRestAtTheirDefaults()
    {
        WebApplication app = await StartAsync(
        [
            Setting("Kcp:Endpoints:Tunnel:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:Tunnel:Smux:Version", "2"),
            Setting("Kcp:Endpoints:Tunnel:Smux:Compression", "None"),
        ]);
        try
        {
            KcpSmuxOptions? smux = BoundEndPoint(app).Options!.Smux;

            Assert.NotNull(smux);
            Assert.Equal(2, smux.Version);
            Assert.Equal(KcpSmuxCompression.None, smux.Compression);
            Assert.Equal(new KcpSmuxOptions().MaxReceiveBuffer, smux.MaxReceiveBuffer);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task EndpointPreset_OverridesInheritedTimers_AndTheEndpointsExplicitKeysWin()
    {
        WebApplication app = await StartAsync(
        [
            Setting("Kcp:Defaults:Interval", "15"),
            Setting("Kcp:Endpoints:A:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:A:Preset", "Fast3"),
            Setting("Kcp:Endpoints:B:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:B:Preset", "Fast3"),
            Setting("Kcp:Endpoints:B:Interval", "25"),
            Setting("Kcp:Endpoints:C:Url", "kcp://127.0.0.1:0"),
        ]);
        try
        {
            int[] intervals = [.. app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints.Select(e => e.Options!.Interval)];

            Assert.Equal([10, 25, 15], intervals);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task EndpointCallback_ConnectionHandlerOnAConfiguredEndpoint_EchoesBytes()
    {
        WebApplication app = await StartAsync(
            [Setting("Kcp:Endpoints:Echo:Url", "kcp://127.0.0.1:0"), Setting("Kcp:Endpoints:Echo:Crypt", "aes-128-gcm"), Setting("Kcp:Endpoints:Echo:Key", "k")],
            kcp => kcp.Endpoint("Echo", listen => listen.UseConnectionHandler<EchoConnectionHandler>()));
        try
        {
            await using var factory = new KcpConnectionFactory();
            await using ConnectionContext connection = await factory.ConnectAsync(ClientEndPoint(app)).DefaultTimeout();

            await connection.Transport.Output.WriteAsync("ping"u8.ToArray()).DefaultTimeout();
            System.IO.Pipelines.ReadResult result = await connection.Transport.Input.ReadAtLeastAsync(4).DefaultTimeout();

            Assert.Equal("ping"u8.ToArray(), result.Buffer.Slice(0, 4).ToArray());
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task WildcardUrl_BindsEveryAddress_AndALoopbackClientIsServed()
    {
        WebApplication app = await StartAsync([Setting("Kcp:Endpoints:Api:Url", "kcp://*:0")], mapApp: MapHello);
        try
        {
            IPAddress bound = BoundEndPoint(app).IPEndPoint.Address;
            using HttpClient client = KcpHttpClient(ClientEndPoint(app));

            Assert.Equal(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, bound);
            Assert.Equal("hello over HTTP/1.1", await client.GetStringAsync("hello").DefaultTimeout());
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task ConfiguredEndpoint_StartUpLog_GivesTheBoundKcpUrlAndTheKeyAndUrlAsWritten()
    {
        var logs = new CapturingLoggerProvider();
        WebApplication app = await StartAsync([Setting("Kcp:Endpoints:Api:Url", "kcp://127.0.0.1:0")], configureBuilder: b => b.Logging.AddProvider(logs));
        try
        {
            int port = BoundEndPoint(app).IPEndPoint.Port;

            Assert.Contains(("ListenerStarted", $"Now listening on: kcp://127.0.0.1:{port} (KCP over UDP; Kcp:Endpoints:Api, Url kcp://127.0.0.1:0)"), logs.Messages);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task LocalhostUrl_BindsEveryLoopback_EachServing()
    {
        int port = FreeAnyAddressUdpPort();
        WebApplication app = await StartAsync([Setting("Kcp:Endpoints:Api:Url", $"kcp://localhost:{port}")], mapApp: MapHello);
        try
        {
            IPAddress[] expected = Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
            IReadOnlyList<KcpEndPoint> bound = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints;

            Assert.Equal(expected, bound.Select(e => e.IPEndPoint.Address));
            foreach (KcpEndPoint endPoint in bound)
            {
                using HttpClient client = KcpHttpClient(endPoint);
                Assert.Equal(port, endPoint.IPEndPoint.Port);
                Assert.Equal("hello over HTTP/1.1", await client.GetStringAsync("hello").DefaultTimeout());
            }
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task EnvironmentVariables_DoubleUnderscoreKeys_DeclareAndMoveTheEndpoint()
    {
        // A prefix of this test's own: the process environment is shared with the other tests.
        string prefix = $"KCPTEST_{Guid.NewGuid():N}_";
        int port = FreeAnyAddressUdpPort();
        Environment.SetEnvironmentVariable(prefix + "Kcp__Endpoints__Chat__Url", $"kcp://127.0.0.1:{port}");
        Environment.SetEnvironmentVariable(prefix + "Kcp__Endpoints__Chat__Mtu", "1200");
        try
        {
            WebApplication app = await StartAsync([], configureBuilder: b => b.Configuration.AddEnvironmentVariables(prefix), mapApp: MapHello);
            try
            {
                KcpEndPoint bound = BoundEndPoint(app);
                using HttpClient client = KcpHttpClient(ClientEndPoint(app));

                Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), bound.IPEndPoint);
                Assert.Equal(1200, bound.Options!.Mtu);
                Assert.Equal("hello over HTTP/1.1", await client.GetStringAsync("hello").DefaultTimeout());
            }
            finally
            {
                await StopAsync(app);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Kcp__Endpoints__Chat__Url", null);
            Environment.SetEnvironmentVariable(prefix + "Kcp__Endpoints__Chat__Mtu", null);
        }
    }

    [Fact]
    public async Task Reload_ChangedKcpSection_IsLoggedNamingTheKeyAndNotApplied()
    {
        var logs = new CapturingLoggerProvider();
        WebApplication app = await StartAsync(
            [Setting("Kcp:Endpoints:Api:Url", "kcp://127.0.0.1:0"), Setting("Kcp:Endpoints:Api:Key", "secret value")],
            configureBuilder: b => b.Logging.AddProvider(logs));
        try
        {
            KcpEndPoint before = BoundEndPoint(app);

            app.Configuration["Kcp:Endpoints:Api:Mtu"] = "1200";
            app.Configuration["Kcp:Endpoints:Api:Key"] = "another secret";
            ((IConfigurationRoot)app.Configuration).Reload();
            using CancellationTokenSource timeout = new(TestTimeouts.Default);
            while (!logs.Contains("ConfigurationChangeIgnored"))
            {
                await Task.Delay(20, timeout.Token);
            }

            string message = logs.Messages.First(m => m.EventName == "ConfigurationChangeIgnored").Message;
            Assert.Contains("Kcp:Endpoints:Api:Mtu", message, StringComparison.Ordinal);
            Assert.Contains("Kcp:Endpoints:Api:Key", message, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", message, StringComparison.Ordinal);
            Assert.Contains("restart", message, StringComparison.Ordinal);
            Assert.Same(before, BoundEndPoint(app));
            Assert.Equal(1400, BoundEndPoint(app).Options!.Mtu);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task ReusePort_TwoHostsOnOneConfiguredPort_BothBindAndServe()
    {
        // Arrange: two servers (one process here; two processes in ChatHub.Tests' ScaleOut tests) declare one port.
        int port = FreeAnyAddressUdpPort();
        KeyValuePair<string, string?>[] settings = [Setting("Kcp:Endpoints:Api:Url", $"kcp://127.0.0.1:{port}"), Setting("Kcp:Endpoints:Api:ReusePort", "true")];
        WebApplication first = await StartAsync(settings, mapApp: MapHello);
        try
        {
            // Act
            WebApplication second = await StartAsync(settings, mapApp: MapHello);
            try
            {
                // Assert: both bound the port, and a client reaches one of them.
                Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), BoundEndPoint(first).IPEndPoint);
                Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), BoundEndPoint(second).IPEndPoint);
                Assert.True(BoundEndPoint(second).Options!.ReusePort);
                using HttpClient client = KcpHttpClient(ClientEndPoint(first));
                Assert.Equal("hello over HTTP/1.1", await client.GetStringAsync("hello").DefaultTimeout());
            }
            finally
            {
                await StopAsync(second);
            }
        }
        finally
        {
            await StopAsync(first);
        }
    }

    [Fact]
    public async Task ReusePortOff_SecondHostOnTheSamePort_FailsToStart()
    {
        // Arrange
        int port = FreeAnyAddressUdpPort();
        KeyValuePair<string, string?>[] settings = [Setting("Kcp:Endpoints:Api:Url", $"kcp://127.0.0.1:{port}")];
        WebApplication first = await StartAsync(settings, mapApp: MapHello);
        try
        {
            // Act
            Exception error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(settings, mapApp: MapHello));

            // Assert
            Assert.Contains(SocketError.AddressAlreadyInUse, Chain(error).OfType<SocketException>().Select(e => e.SocketErrorCode));
        }
        finally
        {
            await StopAsync(first);
        }

        static IEnumerable<Exception> Chain(Exception? e)
        {
            for (; e is not null; e = e.InnerException)
            {
                yield return e;
            }
        }
    }

    [Fact]
    public void GetKcpEndPoint_ReusePortSet_TheDialersOptionsLeaveItOff()
    {
        // Arrange: ReusePort is a listener's setting; a client reading the server's section must not share its port.
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(
        [
            Setting("Kcp:Defaults:ReusePort", "true"),
            Setting("Kcp:Endpoints:Chat:Url", "kcp://127.0.0.1:6000"),
            Setting("Kcp:Endpoints:Chat:ReusePort", "true"),
        ]).Build();

        // Act
        KcpEndPoint endPoint = configuration.GetKcpEndPoint("Chat");

        // Assert
        Assert.False(endPoint.Options!.ReusePort);
    }

    [Fact]
    public void GetKcpEndPoint_WildcardUrl_DialsLoopbackWithDefaultsAndTheEndpointsKeys()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(
        [
            Setting("Kcp:Defaults:Crypt", "aes-128-gcm"),
            Setting("Kcp:Defaults:Key", "shared"),
            Setting("Kcp:Endpoints:Chat:Url", "kcp://*:6000"),
            Setting("Kcp:Endpoints:Chat:DataShards", "10"),
            Setting("Kcp:Endpoints:Chat:ParityShards", "3"),
            Setting("Kcp:Endpoints:Chat:RedundantCopies", "2"),
            Setting("Kcp:Endpoints:Chat:Certificate:Path", "server-only.pfx"),
        ]).Build();

        KcpEndPoint endPoint = configuration.GetKcpEndPoint("Chat");

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 6000), endPoint.IPEndPoint);
        Assert.Equal(("aes-128-gcm", "shared", 10, 3), (endPoint.Options!.Crypt, endPoint.Options.Key, endPoint.Options.DataShards, endPoint.Options.ParityShards));
        Assert.Equal(2, endPoint.Options.RedundantCopies);
    }

    [Theory]
    [InlineData("Kcp:Endpoints:Other:Url", "kcp://127.0.0.1:6000", "The configuration has no Kcp:Endpoints:Chat")]
    [InlineData("Kcp:Endpoints:Chat:Mtu", "99999", "Kcp:Endpoints:Chat:Mtu must be between 50 and 1500 (was 99999).")]
    [InlineData("Kcp:Endpoints:Chat:Mtux", "1", "Kcp:Endpoints:Chat:Mtux is not a KCP setting")]
    [InlineData("Kcp:Endpoints:Chat:RedundantCopies", "9", "Kcp:Endpoints:Chat:RedundantCopies must be between 0 and 8 (was 9).")]
    [InlineData("Kcp:Defaults:Mtu", "1", "Kcp:Defaults:Mtu must be between 50 and 1500 (was 1).")]
    public void GetKcpEndPoint_MissingOrInvalid_ThrowsNamingTheKey(string key, string value, string expected)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(
            key.StartsWith("Kcp:Endpoints:Other", StringComparison.Ordinal) ? [Setting(key, value)] : [Setting(key, value), Setting("Kcp:Endpoints:Chat:Url", "kcp://127.0.0.1:6000")]).Build();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => configuration.GetKcpEndPoint("Chat"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
