using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Tests;

/// <summary>Bad KCP settings stop the host at start-up, and the message names the setting.</summary>
public sealed class StartupValidationTests
{
    private static async Task<Exception> StartExpectingFailureAsync(Action<WebApplicationBuilder>? configureBuilder = null, Action<Kcp.Transport.KcpOptions>? configureKcp = null)
    {
        WebApplication app = KcpTestHost.Build(configureKcp: configureKcp, configureBuilder: configureBuilder);
        await using (app)
        {
            return await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync()).DefaultTimeout();
        }
    }

    private static void Config(WebApplicationBuilder builder, string key, string value)
        => builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]);

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
    public async Task StartAsync_ConfiguredMtu9000_FailsNamingMtu()
    {
        Exception error = await StartExpectingFailureAsync(b => Config(b, "Kcp:Mtu", "9000"));

        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("KcpOptions.Mtu must be between 50 and 1500 (was 9000)", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SendWindowZeroFromUseKcp_FailsNamingSendWindow()
    {
        Exception error = await StartExpectingFailureAsync(b => b.Services.Configure<KcpTransportOptions>(o => o.Defaults.SendWindow = 0));

        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("KcpOptions.SendWindow", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownCrypt_FailsNamingCrypt()
    {
        Exception error = await StartExpectingFailureAsync(b => Config(b, "Kcp:Crypt", "rot13"));

        Assert.Contains("KcpOptions.Crypt 'rot13' is not supported", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AesWithoutKey_FailsNamingKey()
    {
        Exception error = await StartExpectingFailureAsync(b => Config(b, "Kcp:Crypt", "aes"));

        Assert.Contains("KcpOptions.Key is required", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownPreset_FailsNamingPreset()
    {
        Exception error = await StartExpectingFailureAsync(b => Config(b, "Kcp:Preset", "Turbo"));

        Assert.Contains("Kcp:Preset 'Turbo'", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EndPointMtu9000_FailsNamingMtu()
    {
        Exception error = await StartExpectingFailureAsync(configureKcp: kcp => kcp.Mtu = 9000);

        Assert.Contains("KcpOptions.Mtu must be between 50 and 1500 (was 9000)", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_PresetAndExplicitKeys_ExplicitKeysWinOverThePreset()
    {
        WebApplication app = KcpTestHost.Build(configureBuilder: b => b.Configuration.AddInMemoryCollection(
        [
            new KeyValuePair<string, string?>("Kcp:Preset", "Fast3"),
            new KeyValuePair<string, string?>("Kcp:Interval", "15"),
            new KeyValuePair<string, string?>("Kcp:DataShards", "10"),
            new KeyValuePair<string, string?>("Kcp:ParityShards", "3"),
        ]));
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
