using System.Net.Http.Json;
using System.Text.Json;
using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests;

/// <summary>The page's data source: /api/kcp-stats over the TCP endpoint, fed by the open KCP sessions.</summary>
public sealed class KcpStatsEndpointTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task GetStats_TwoKcpClientsAndOneWebSocketClient_ListsTheTwoKcpSessionsWithTraffic()
    {
        // Arrange
        await using HubConnection alice = server.CreateKcpConnection();
        await using HubConnection bob = server.CreateKcpConnection();
        await using HubConnection carol = server.CreateWebSocketConnection();
        var bobInbox = new ChatInbox(bob);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync(), carol.StartAsync()).WithTimeout();
        await alice.InvokeAsync("Send", "alice", "stats please").WithTimeout();
        await bobInbox.WaitForMessageAsync("stats please");
        using HttpClient http = server.CreateClient();

        // Act
        using JsonDocument report = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/kcp-stats", UriKind.Relative)).WithTimeout());

        // Assert: the WebSocket client is not a KCP session.
        JsonElement root = report.RootElement;
        Assert.Equal(2, root.GetProperty("activeSessions").GetInt32());
        JsonElement[] sessions = [.. root.GetProperty("sessions").EnumerateArray()];
        Assert.Equal(2, sessions.Length);
        Assert.All(sessions, s =>
        {
            Assert.True(s.GetProperty("bytesReceived").GetInt64() > 0, "each session received at least the handshake");
            Assert.True(s.GetProperty("bytesSent").GetInt64() > 0, "each session sent at least the handshake answer");
            Assert.StartsWith("127.0.0.1:", s.GetProperty("remote").GetString(), StringComparison.Ordinal);
        });
        Assert.NotEqual(sessions[0].GetProperty("conversation").GetUInt32(), sessions[1].GetProperty("conversation").GetUInt32());
    }

    [Fact]
    public async Task GetStats_AfterClientsLeave_SessionsDisappear()
    {
        // Arrange
        using HttpClient http = server.CreateClient();
        await using (HubConnection alice = server.CreateKcpConnection())
        {
            await alice.StartAsync().WithTimeout();
            Assert.Equal(1, await ActiveSessionsAsync(http));

            // Act
            await alice.StopAsync().WithTimeout();
        }

        // Assert: KCP has no FIN, but the client's stop closes its hub connection and the server sees the close message.
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (await ActiveSessionsAsync(http) != 0)
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    [Fact]
    public async Task GetMetricsAndStats_AfterKcpChat_ExportTheTransportCounters()
    {
        // Arrange
        await using HubConnection alice = server.CreateKcpConnection();
        var inbox = new ChatInbox(alice);
        await alice.StartAsync().WithTimeout();
        await alice.InvokeAsync("Send", "alice", "metrics please").WithTimeout();
        await inbox.WaitForMessageAsync("metrics please");
        using HttpClient http = server.CreateClient();

        // Act
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).WithTimeout();
        JsonElement stats = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/kcp-stats", UriKind.Relative)).WithTimeout();
        string health = await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();

        // Assert: Prometheus names of the Kcp.Transport instruments, tagged by role; the page's copy of the counters.
        Assert.Contains("kcp_udp_datagrams_received_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("kcp_segments_retransmitted_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("kcp_role=\"listener\"", metrics, StringComparison.Ordinal);
        Assert.Contains("kcp_sessions_active", metrics, StringComparison.Ordinal);
        JsonElement transport = stats.GetProperty("transport");
        Assert.True(transport.GetProperty("inPackets").GetInt64() > 0);
        Assert.True(transport.GetProperty("passiveOpens").GetInt64() >= 1);
        Assert.True(transport.GetProperty("bytesReceived").GetInt64() > 0);
        Assert.Equal("Healthy", health);
    }

    [Fact]
    public async Task GetPage_Root_ServesTheChatPageAndItsScripts()
    {
        // Arrange
        server.StartServer();
        using HttpClient http = server.CreateClient();

        // Act
        string page = await http.GetStringAsync(new Uri("/", UriKind.Relative)).WithTimeout();
        using HttpResponseMessage script = await http.GetAsync(new Uri("/lib/signalr/signalr.min.js", UriKind.Relative)).WithTimeout();
        using HttpResponseMessage handWritten = await http.GetAsync(new Uri("/signalr-mini.js", UriKind.Relative)).WithTimeout();

        // Assert: the official client's browser bundle, exactly as npm installed it, and no hand-written client.
        Assert.Contains("src=\"lib/signalr/signalr.min.js\"", page, StringComparison.Ordinal);
        Assert.Contains("chat.js", page, StringComparison.Ordinal);
        Assert.Contains("stats.js", page, StringComparison.Ordinal);
        Assert.True(script.IsSuccessStatusCode);
        string bundle = Path.Combine(NodePageClient.SignalRPackageDirectory, "dist", "browser", "signalr.min.js");
        Assert.Equal(await File.ReadAllBytesAsync(bundle), await script.Content.ReadAsByteArrayAsync());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, handWritten.StatusCode);
    }

    private static async Task<int> ActiveSessionsAsync(HttpClient http)
    {
        JsonElement report = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/kcp-stats", UriKind.Relative)).WithTimeout();
        return report.GetProperty("activeSessions").GetInt32();
    }
}
