using System.Diagnostics;
using ChatHub.Tests.Infrastructure;
using ChatHub.Tests.ScaleOut.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ChatHub.Tests.ScaleOut;

/// <summary>
/// ChatHub servers behind nginx's UDP load balancer (the recipe's deploy/nginx.conf.template): a client's KCP session
/// keeps reaching one backend for as long as the balancer keeps its UDP session, which keep-alives refresh.
/// </summary>
public sealed class BalancerTests(ITestOutputHelper output)
{
    [Fact(Timeout = 90_000)]
    public async Task Balancer_TwelveKcpClients_EachSessionStaysOnOneBackendForItsWholeLife()
    {
        // Arrange: three servers behind nginx, twelve clients through it, pinging every second.
        const int Clients = 12;
        await using var group = new ProcessGroup();
        ChatBackend[] backends = await group.StartBackendsAsync(3, new ChatBackendSettings());
        NginxBalancer nginx = group.Add(await NginxBalancer.StartAsync(backends.Select(b => b.KcpEndPoint), "30s"));
        int reconnects = 0;
        HubConnection[] clients = [.. Enumerable.Range(0, Clients).Select(_ => group.Add(ChatBackend.KcpConnection(nginx.EndPoint, TimeSpan.FromSeconds(1))))];
        foreach (HubConnection client in clients)
        {
            client.Reconnecting += _ =>
            {
                Interlocked.Increment(ref reconnects);
                return Task.CompletedTask;
            };
        }

        await Task.WhenAll(clients.Select(c => c.StartAsync())).WithTimeout();
        string?[] connectionIds = [.. clients.Select(c => c.ConnectionId)];

        // Act: ask each client's server six times over six seconds of keep-alives.
        var answers = clients.Select(_ => new List<string>()).ToArray();
        for (int round = 0; round < 6; round++)
        {
            string[] names = await Task.WhenAll(clients.Select(c => c.InvokeAsync<string>(nameof(ChatHubSample.ChatHub.GetServerName)))).WithTimeout();
            for (int i = 0; i < Clients; i++)
            {
                answers[i].Add(names[i]);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        // Assert: every client heard one server name on one connection, and each server holds exactly its clients'
        // sessions and never opened another (a datagram that reached another backend would have opened or reset one).
        Assert.All(answers, names => Assert.Single(names.Distinct()));
        Assert.Equal(0, reconnects);
        Assert.Equal(connectionIds, clients.Select(c => c.ConnectionId));
        var byServer = answers.GroupBy(names => names[0]).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("sessions per server: " + string.Join(", ", byServer.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
        Assert.True(byServer.Count >= 2, "the hash put all twelve clients on one backend");
        foreach (ChatBackend backend in backends)
        {
            (int active, long opened, long resets) = await backend.GetKcpStatsAsync();
            int expected = byServer.GetValueOrDefault(backend.Name);
            Assert.Equal((expected, expected, 0L), (active, opened, resets));
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task Balancer_SilentLongerThanProxyTimeout_KeepAlivesKeepTheSessionThrough()
    {
        // Arrange: the balancer forgets a UDP session after 3 s without datagrams; both ends ping every second.
        await using var group = new ProcessGroup();
        ChatBackend[] backends = await group.StartBackendsAsync(1, new ChatBackendSettings { KeepAlive = TimeSpan.FromSeconds(1) });
        NginxBalancer nginx = group.Add(await NginxBalancer.StartAsync([backends[0].KcpEndPoint], "3s"));
        HubConnection alice = group.Add(ChatBackend.KcpConnection(nginx.EndPoint, TimeSpan.FromSeconds(1)));
        var inbox = new ChatInbox(alice);
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.Reconnecting += e =>
        {
            reconnecting.TrySetResult(e);
            return Task.CompletedTask;
        };
        await alice.StartAsync().WithTimeout();
        string? connectionId = alice.ConnectionId;

        // Act: no application message for ten seconds, three proxy timeouts.
        Task first = await Task.WhenAny(reconnecting.Task, Task.Delay(TimeSpan.FromSeconds(10)));

        // Assert: the same connection, the same session, and it still carries messages.
        Assert.NotSame(reconnecting.Task, first);
        Assert.Equal(connectionId, alice.ConnectionId);
        await alice.InvokeAsync("Send", "alice", "still here").WithTimeout();
        await inbox.WaitForMessageAsync("still here");
        Assert.Equal((1, 1L, 0L), await backends[0].GetKcpStatsAsync());
    }

    [Fact(Timeout = 90_000)]
    public async Task Balancer_ProxyTimeoutShorterThanKeepAlive_BackendResetsTheSessionAndTheClientReconnects()
    {
        // Arrange: pings every 5 s, but the balancer forgets a UDP session after 2 s of silence. The next ping then
        // leaves nginx from a new upstream socket, which the backend does not know: it answers with a reset.
        await using var group = new ProcessGroup();
        ChatBackend[] backends = await group.StartBackendsAsync(1, new ChatBackendSettings { KeepAlive = TimeSpan.FromSeconds(5) });
        NginxBalancer nginx = group.Add(await NginxBalancer.StartAsync([backends[0].KcpEndPoint], "2s"));
        HubConnection alice = group.Add(ChatBackend.KcpConnection(nginx.EndPoint, TimeSpan.FromSeconds(5), b => b.WithAutomaticReconnect()));
        var inbox = new ChatInbox(alice);
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.Reconnecting += e =>
        {
            reconnecting.TrySetResult(e);
            return Task.CompletedTask;
        };
        alice.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await alice.StartAsync().WithTimeout();
        var clock = Stopwatch.StartNew();

        // Act: stay silent.
        Exception? cause = await reconnecting.Task.WithTimeout();
        TimeSpan lost = clock.Elapsed;
        await reconnected.Task.WithTimeout();
        TimeSpan back = clock.Elapsed;

        // Assert: lost at the first ping after the expiry (not at a 15 s server timeout), by a reset, and back at once.
        output.WriteLine($"lost after {lost.TotalSeconds:0.0} s ({cause?.GetType().Name}: {cause?.Message}); reconnected after {back.TotalSeconds:0.0} s");
        Assert.InRange(lost, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(12));
        Assert.Contains("reset", cause?.Message ?? "", StringComparison.Ordinal);
        Assert.True(back - lost < TimeSpan.FromSeconds(3), $"reconnecting took {(back - lost).TotalSeconds:0.0} s");
        (_, long opened, long resets) = await backends[0].GetKcpStatsAsync();
        Assert.True(resets >= 1, "the backend sent no reset");
        Assert.Equal(2, opened);
        await alice.InvokeAsync("Send", "alice", "after the reset").WithTimeout();
        await inbox.WaitForMessageAsync("after the reset");
    }
}
