using System.Diagnostics;
using ChatHub.Tests.Infrastructure;
using ChatHub.Tests.ScaleOut.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ChatHub.Tests.ScaleOut;

/// <summary>
/// Two ChatHub processes with the Redis backplane (ConnectionStrings:Redis) and a real redis-server: broadcasts and
/// groups cross servers, for KCP and WebSocket clients alike, and survive a restart of Redis.
/// </summary>
public sealed class BackplaneTests(ITestOutputHelper output)
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);

    [Fact(Timeout = 90_000)]
    public async Task Backplane_KcpClientOnOneServerWebSocketClientOnAnother_SeeEachOthersBroadcastsAndGroupMessages()
    {
        // Arrange: alice over KCP on server-1; bob over WebSockets and carol over KCP on server-2.
        await using var group = new ProcessGroup();
        RedisProcess redis = group.Add(await RedisProcess.StartAsync());
        ChatBackend[] servers = await group.StartBackendsAsync(2, new ChatBackendSettings { Redis = redis });
        HubConnection alice = group.Add(ChatBackend.KcpConnection(servers[0].KcpEndPoint, KeepAlive));
        HubConnection bob = group.Add(servers[1].WebSocketConnection(KeepAlive));
        HubConnection carol = group.Add(ChatBackend.KcpConnection(servers[1].KcpEndPoint, KeepAlive));
        ChatInbox aliceInbox = new(alice), bobInbox = new(bob), carolInbox = new(carol);
        var bobSawJoin = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.On<string, string>(ChatHubSample.ChatHub.JoinedGroup, (_, user) =>
        {
            if (user == "alice")
            {
                bobSawJoin.TrySetResult(user);
            }
        });
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync(), carol.StartAsync()).WithTimeout();
        Assert.Equal("server-1", await alice.InvokeAsync<string>(nameof(ChatHubSample.ChatHub.GetServerName)).WithTimeout());
        Assert.Equal("server-2", await bob.InvokeAsync<string>(nameof(ChatHubSample.ChatHub.GetServerName)).WithTimeout());

        // Act + Assert: broadcasts both ways.
        await alice.InvokeAsync("Send", "alice", "hello from kcp on server-1").WithTimeout();
        Assert.Equal(("alice", "kcp"), Who(await bobInbox.WaitForMessageAsync("hello from kcp on server-1")));
        await bob.InvokeAsync("Send", "bob", "hello from websocket on server-2").WithTimeout();
        Assert.Equal(("bob", "websockets"), Who(await aliceInbox.WaitForMessageAsync("hello from websocket on server-2")));

        // Groups: bob joins on server-2, alice on server-1 (bob hears of it); carol stays out.
        await bob.InvokeAsync("JoinGroup", "ops", "bob").WithTimeout();
        await alice.InvokeAsync("JoinGroup", "ops", "alice").WithTimeout();
        await bobSawJoin.Task.WithTimeout();
        await alice.InvokeAsync("SendToGroup", "ops", "alice", "ops over kcp").WithTimeout();
        ChatEvent toBob = await bobInbox.WaitForAsync(e => e.Group == "ops" && e.Message == "ops over kcp");
        await bob.InvokeAsync("SendToGroup", "ops", "bob", "ops over websocket").WithTimeout();
        ChatEvent toAlice = await aliceInbox.WaitForAsync(e => e.Group == "ops" && e.Message == "ops over websocket");
        await alice.InvokeAsync("Send", "alice", "the end").WithTimeout();
        await carolInbox.WaitForMessageAsync("the end");

        Assert.Equal(("alice", "kcp"), (toBob.User, toBob.Transport));
        Assert.Equal(("bob", "websockets"), (toAlice.User, toAlice.Transport));
        Assert.DoesNotContain(carolInbox.Seen, e => e.Group is not null);
    }

    [Fact(Timeout = 90_000)]
    public async Task Backplane_RedisRestarted_ServersReconnectAndBroadcastsResume()
    {
        // Arrange
        await using var group = new ProcessGroup();
        RedisProcess redis = group.Add(await RedisProcess.StartAsync());
        ChatBackend[] servers = await group.StartBackendsAsync(2, new ChatBackendSettings { Redis = redis });
        HubConnection alice = group.Add(ChatBackend.KcpConnection(servers[0].KcpEndPoint, KeepAlive));
        HubConnection bob = group.Add(servers[1].WebSocketConnection(KeepAlive));
        ChatInbox aliceInbox = new(alice), bobInbox = new(bob);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync()).WithTimeout();
        await alice.InvokeAsync("Send", "alice", "before the restart").WithTimeout();
        await bobInbox.WaitForMessageAsync("before the restart");

        // Act: Redis crashes and comes back empty a second later.
        await redis.RestartAsync(downtime: TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        // Assert: alice's broadcasts reach bob on the other server again (those sent before the servers reconnected
        // fail or are lost: SignalR's backplane does not queue), then bob's reach alice.
        int attempt = 0, failed = 0;
        while (true)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"no broadcast crossed servers within 45 s of the restart ({attempt} sent, {failed} failed)");
            try
            {
                await alice.InvokeAsync("Send", "alice", $"after the restart {++attempt}").WithTimeout();
            }
            catch (HubException)
            {
                failed++; // the server could not publish: Redis is not back for it yet
            }

            try
            {
                await bobInbox.WaitForAsync(e => e.Message.StartsWith("after the restart", StringComparison.Ordinal), TimeSpan.FromSeconds(1));
                break;
            }
            catch (OperationCanceledException)
            {
                // not yet
            }
        }

        output.WriteLine(string.Join('\n', servers[0].Output.Split('\n').Where(l => l.Contains("Redis", StringComparison.Ordinal))));
        output.WriteLine($"broadcasts crossed servers again {clock.Elapsed.TotalSeconds:0.0} s after Redis came back ({attempt} sent, {failed} refused)");
        await bob.InvokeAsync("Send", "bob", "and back").WithTimeout();
        Assert.Equal(("bob", "websockets"), Who(await aliceInbox.WaitForMessageAsync("and back")));
        Assert.Equal(HubConnectionState.Connected, alice.State);
        Assert.Equal(HubConnectionState.Connected, bob.State);
    }

    private static (string User, string Transport) Who(ChatEvent e) => (e.User, e.Transport);
}
