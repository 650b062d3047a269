using ChatHub.Tests.Infrastructure;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;

namespace ChatHub.Tests.Sample;

/// <summary>The sample as a process: its endpoints come from configuration, which environment variables change.</summary>
public sealed class SampleConfigurationTests
{
    [Fact]
    public async Task Server_KcpEndpointsChatUrlFromTheEnvironment_MovesTheHubAndTheBannerSaysSo()
    {
        // Arrange
        int port = FreeUdpPort();
        string url = $"kcp://127.0.0.1:{port}";
        await using SampleProcess server = SampleProcess.Start(new Dictionary<string, string>
        {
            ["Kcp__Endpoints__Chat__Url"] = url,
            ["Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0",
        });
        await server.WaitForOutputAsync("Load test:");

        // The client reads the same section (the sample's appsettings.json, with the same override).
        KcpEndPoint endPoint = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json")
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Kcp:Endpoints:Chat:Url", url)])
            .Build()
            .GetKcpEndPoint("Chat");
        await using HubConnection alice = new HubConnectionBuilder().WithKcp(endPoint).Build();
        var inbox = new ChatInbox(alice);

        // Act
        await alice.StartAsync().WithTimeout();
        await alice.InvokeAsync("Send", "alice", "moved by an environment variable").WithTimeout();

        // Assert
        ChatEvent received = await inbox.WaitForMessageAsync("moved by an environment variable");
        Assert.Equal("kcp", received.Transport);
        Assert.Contains($"KCP hub (UDP):  127.0.0.1:{port}  crypt=aes fec=10/3", server.Output, StringComparison.Ordinal);
        Assert.Contains("Web page:       http://127.0.0.1:", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_MtuOutOfRange_StopsAtStartUpNamingTheSettingAsWritten()
    {
        // Act
        await using SampleProcess server = SampleProcess.Start(new Dictionary<string, string>
        {
            ["Kcp__Endpoints__Chat__Url"] = "kcp://127.0.0.1:0",
            ["Kcp__Endpoints__Chat__Mtu"] = "99999",
            ["Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0",
        });
        await server.WaitForExitAsync();

        // Assert
        Assert.NotEqual(0, server.ExitCode);
        Assert.Contains("Kcp:Endpoints:Chat:Mtu must be between 50 and 1500 (was 99999).", server.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ChatHub__ClientTimeoutInterval", "00:00:10", "ChatHub:ClientTimeoutInterval (00:00:10) must be longer than ChatHub:KeepAliveInterval (00:00:15)")]
    [InlineData("ChatHub__ServerName", "no spaces please", "ChatHub:ServerName may hold letters, digits and . _ : / - only.")]
    [InlineData("ConnectionStrings__Redis", "127.0.0.1:6379,abortConnectt=false", "ConnectionStrings:Redis is not a Redis configuration string")]
    public async Task Server_BadScaleOutSetting_StopsAtStartUpNamingIt(string variable, string value, string expected)
    {
        // Act
        await using SampleProcess server = SampleProcess.Start(new Dictionary<string, string>
        {
            ["Kcp__Endpoints__Chat__Url"] = "kcp://127.0.0.1:0",
            ["Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0",
            [variable] = value,
        });
        await server.WaitForExitAsync();

        // Assert
        Assert.NotEqual(0, server.ExitCode);
        Assert.Contains(expected, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_TypoInTheSection_ExitsNamingTheKey()
    {
        // Act
        await using SampleProcess client = SampleProcess.Start(new Dictionary<string, string> { ["Kcp__Endpoints__Chat__Mtux"] = "1200" }, "client", "--name", "bob");
        await client.WaitForExitAsync();

        // Assert
        Assert.Equal(2, client.ExitCode);
        Assert.Contains("Kcp:Endpoints:Chat:Mtux is not a KCP setting", client.Output, StringComparison.Ordinal);
    }
}
