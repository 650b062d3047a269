using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static Kcp.AspNetCore.Tests.ConfiguredKcpHost;

namespace Kcp.AspNetCore.Tests;

/// <summary>Bad KCP settings stop the host at start-up, and the message names the setting as the user wrote it.</summary>
public sealed class StartupValidationTests
{
    private const string Chat = "Kcp:Endpoints:Chat";

    private static async Task<string> StartExpectingFailureAsync(params KeyValuePair<string, string?>[] settings)
        => await StartExpectingFailureAsync(settings, configure: null);

    private static async Task<string> StartExpectingFailureAsync(KeyValuePair<string, string?>[] settings, Action<KcpTransportOptions>? configure)
    {
        WebApplication app = Build(settings, configure);
        await using (app)
        {
            Exception error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync()).DefaultTimeout();
            Assert.IsType<OptionsValidationException>(error);
            return AllMessages(error);
        }
    }

    private static string AllMessages(Exception e)
    {
        var messages = new List<string>();
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
        }

        return string.Join(" | ", messages);
    }

    [Fact]
    public async Task StartAsync_EndpointMtu99999_FailsNamingTheEndpointsMtu()
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Mtu", "99999"));

        Assert.Contains("Kcp:Endpoints:Chat:Mtu must be between 50 and 1500 (was 99999).", message, StringComparison.Ordinal);
        Assert.DoesNotContain("KcpOptions", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_DefaultsMtu9000_FailsNamingDefaultsOnce()
    {
        string message = await StartExpectingFailureAsync(
            Setting("Kcp:Defaults:Mtu", "9000"), Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting("Kcp:Endpoints:Other:Url", "kcp://127.0.0.1:0"));

        Assert.Contains("Kcp:Defaults:Mtu must be between 50 and 1500 (was 9000).", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Endpoints:Chat:Mtu", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Endpoints:Other:Mtu", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_LowerCaseKeys_NamesTheKeysAsWritten()
    {
        string message = await StartExpectingFailureAsync(Setting("kcp:endpoints:chat:url", "kcp://127.0.0.1:0"), Setting("kcp:endpoints:chat:mtu", "99999"));

        Assert.Contains("kcp:endpoints:chat:mtu must be between 50 and 1500 (was 99999).", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Kcp:Endpoints:Chat:Mtux", "Kcp:Endpoints:Chat:Mtux is not a KCP setting")]
    [InlineData("Kcp:Defaults:Mtux", "Kcp:Defaults:Mtux is not a KCP setting")]
    [InlineData("Kcp:Defaults:Security:MaxTombstonez", "Kcp:Defaults:Security:MaxTombstonez is not a KCP setting")]
    [InlineData("Kcp:Endpoints:Chat:Securty:MaxTombstones", "Kcp:Endpoints:Chat:Securty is not a KCP setting")]
    [InlineData("Kcp:Endpoints:Chat:Certificate:Pth", "Kcp:Endpoints:Chat:Certificate:Pth is not a certificate setting")]
    [InlineData("Kcp:Mtu", "Kcp:Mtu is not a setting of the KCP transport: KCP settings go under Kcp:Defaults (every endpoint, e.g. Kcp:Defaults:Mtu)")]
    public async Task StartAsync_UnknownKey_FailsNamingIt(string key, string expected)
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting(key, "1"));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SeveralProblems_ReportsEveryOne()
    {
        string message = await StartExpectingFailureAsync(
            Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Mtu", "abc"), Setting($"{Chat}:SendWindow", "0"), Setting($"{Chat}:Mtux", "1"));

        Assert.Contains("Kcp:Endpoints:Chat:Mtu 'abc' cannot be read", message, StringComparison.Ordinal);
        Assert.Contains("Kcp:Endpoints:Chat:Mtux is not a KCP setting", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Kcp:Endpoints:Chat:Url is required")]
    [InlineData("http://127.0.0.1:6000", "Kcp:Endpoints:Chat:Url 'http://127.0.0.1:6000' must start with kcp://")]
    [InlineData("kcp://127.0.0.1", "Kcp:Endpoints:Chat:Url 'kcp://127.0.0.1' must be kcp://host:port")]
    [InlineData("kcp://127.0.0.1:70000", "Kcp:Endpoints:Chat:Url 'kcp://127.0.0.1:70000' must be kcp://host:port")]
    [InlineData("kcp://example.com:6000", "the host must be an IP address, * or localhost")]
    [InlineData("kcp://localhost:0", "localhost binds two sockets")]
    public async Task StartAsync_BadUrl_FailsNamingUrl(string? url, string expected)
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", url), Setting($"{Chat}:Crypt", "null"));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_Http3Protocols_FailsNamingProtocols()
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Protocols", "Http3"));

        Assert.Contains("Kcp:Endpoints:Chat:Protocols 'Http3' must be one of: Http1, Http2, Http1AndHttp2", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AesWithoutKey_NamesBothKeysOfTheEndpoint()
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Crypt", "aes"));

        Assert.Contains("Kcp:Endpoints:Chat:Key is required when Kcp:Endpoints:Chat:Crypt is 'aes'.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_CryptInDefaultsKeyInNoSection_NamesWhereEachIsWritten()
    {
        string message = await StartExpectingFailureAsync(Setting("Kcp:Defaults:Crypt", "aes"), Setting($"{Chat}:Url", "kcp://127.0.0.1:0"));

        Assert.Contains("KcpTransportOptions.Defaults.Key is required when Kcp:Defaults:Crypt is 'aes'.", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Version", "3", "Kcp:Endpoints:Chat:Smux:Version must be 1 or 2 (was 3).")]
    [InlineData("MaxStreamBuffer", "8388608", "Kcp:Endpoints:Chat:Smux:MaxStreamBuffer must not be larger than MaxReceiveBuffer")]
    [InlineData("Compresion", "None", "Kcp:Endpoints:Chat:Smux:Compresion is not a KCP setting")]
    public async Task StartAsync_BadSmuxSetting_FailsNamingTheNestedKey(string key, string value, string expected)
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Smux:{key}", value));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownCrypt_FailsNamingCrypt()
    {
        string message = await StartExpectingFailureAsync(Setting("Kcp:Defaults:Crypt", "rot13"));

        Assert.Contains("Kcp:Defaults:Crypt 'rot13' is not supported", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownPreset_FailsNamingPreset()
    {
        string message = await StartExpectingFailureAsync(Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Preset", "Turbo"));

        Assert.Contains("Kcp:Endpoints:Chat:Preset 'Turbo' is not one of: Normal, Fast, Fast2, Fast3.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MissingCertificateFile_FailsNamingCertificatePath()
    {
        string message = await StartExpectingFailureAsync(
            Setting($"{Chat}:Url", "kcp://127.0.0.1:0"), Setting($"{Chat}:Certificate:Path", "no-such-file.pfx"), Setting($"{Chat}:Certificate:Password", "x"));

        Assert.Contains("Kcp:Endpoints:Chat:Certificate:Path 'no-such-file.pfx' could not be loaded", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EndpointCallbackWithoutConfiguredEndpoint_FailsNamingTheSection()
    {
        string message = await StartExpectingFailureAsync([], kcp => kcp.Endpoint("Chat", _ => { }));

        Assert.Contains("UseKcp configures the endpoint 'Chat', but the configuration has no Kcp:Endpoints:Chat", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SendWindowZeroFromUseKcp_FailsNamingTheCodeSetting()
    {
        string message = await StartExpectingFailureAsync([], kcp => kcp.Defaults.SendWindow = 0);

        Assert.Contains("KcpTransportOptions.Defaults.SendWindow must be between 1 and 65535 segments (was 0).", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_CodeEndPointMtu9000_FailsNamingMtu()
    {
        WebApplication app = KcpTestHost.Build(configureKcp: kcp => kcp.Mtu = 9000);
        await using (app)
        {
            Exception error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync()).DefaultTimeout();

            Assert.Contains("KcpOptions.Mtu must be between 50 and 1500 (was 9000)", AllMessages(error), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ListenKcp_WithoutUseKcp_SaysToCallUseKcp()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenKcp(IPAddress.Loopback, 0));

        // Kestrel runs ConfigureKestrel while the app is built (WebApplication resolves the server), so Build throws.
        Exception error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using WebApplication app = builder.Build();
            await app.StartAsync();
        }).DefaultTimeout();

        Assert.Contains("ListenKcp needs the KCP transport, which is not registered: call UseKcp() on the web host", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_PresetAndExplicitKeys_ExplicitKeysWinOverThePreset()
    {
        WebApplication app = Build(
        [
            Setting("Kcp:Defaults:Preset", "Fast3"),
            Setting("Kcp:Defaults:Interval", "15"),
            Setting("Kcp:Defaults:DataShards", "10"),
            Setting("Kcp:Defaults:ParityShards", "3"),
        ]);
        await using (app)
        {
            Transport.KcpOptions defaults = app.Services.GetRequiredService<IOptions<KcpTransportOptions>>().Value.Defaults;

            Assert.Equal(1, defaults.NoDelay);
            Assert.Equal(15, defaults.Interval);
            Assert.Equal(10, defaults.DataShards);
            Assert.Equal(3, defaults.ParityShards);
        }
    }
}
