using ChatHub.Tests.Infrastructure;
using ChatHub.Tests.ScaleOut.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ChatHub.Tests.ScaleOut;

/// <summary>
/// Three ChatHub processes on one KCP port (Kcp:Endpoints:Chat:ReusePort, SO_REUSEPORT): the kernel spreads the
/// sessions of many clients over all of them, no balancer needed on one host.
/// </summary>
public sealed class ReusePortProcessTests(ITestOutputHelper output)
{
    [Fact(Timeout = 90_000)]
    public async Task ReusePort_ThreeProcessesOnOnePort_ThreeHundredSessionsSpreadOverAllOfThem()
    {
        // Arrange: the first server picks the port, the two others share it.
        const int Sessions = 300;
        await using var group = new ProcessGroup();
        var settings = new ChatBackendSettings { ReusePort = true, KeepAlive = TimeSpan.FromSeconds(15) };
        ChatBackend first = group.Add(await ChatBackend.StartAsync("server-1", settings));
        Task<ChatBackend>[] others = [.. new[] { "server-2", "server-3" }.Select(name => ChatBackend.StartAsync(name, settings with { KcpPort = first.KcpEndPoint.Port }))];
        foreach (Task<ChatBackend> other in others)
        {
            group.Add(await other);
        }

        ChatBackend[] servers = [first, .. others.Select(t => t.Result)];
        Assert.All(servers, s => Assert.Equal(first.KcpEndPoint, s.KcpEndPoint));

        // Act: 300 KCP clients dial the one port, 25 at a time, and ask who serves them.
        var names = new List<string>(Sessions);
        for (int wave = 0; wave < Sessions / 25; wave++)
        {
            HubConnection[] clients = [.. Enumerable.Range(0, 25).Select(_ => group.Add(ChatBackend.KcpConnection(first.KcpEndPoint, TimeSpan.FromSeconds(15))))];
            names.AddRange(await Task.WhenAll(clients.Select(async c =>
            {
                await c.StartAsync();
                return await c.InvokeAsync<string>(nameof(ChatHubSample.ChatHub.GetServerName));
            })).WithTimeout());
        }

        // Assert: every process took a fair share (about 100 each; 50 is more than six standard deviations away), and
        // each one's own count of live sessions agrees with what the clients were told.
        var byServer = names.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("sessions per process: " + string.Join(", ", byServer.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal(Sessions, names.Count);
        foreach (ChatBackend server in servers)
        {
            Assert.True(byServer.GetValueOrDefault(server.Name) >= 50, $"{server.Name} got {byServer.GetValueOrDefault(server.Name)} of {Sessions} sessions");
            (int active, long opened, _) = await server.GetKcpStatsAsync();
            Assert.Equal((byServer[server.Name], (long)byServer[server.Name]), (active, opened));
        }
    }
}
