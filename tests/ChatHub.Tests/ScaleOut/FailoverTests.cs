using System.Diagnostics;
using ChatHub.Tests.Infrastructure;
using ChatHub.Tests.ScaleOut.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ChatHub.Tests.ScaleOut;

/// <summary>
/// A backend behind the balancer crashes: nginx sends the client's next datagrams to another backend, which does not
/// know the session and answers with a reset; the client reconnects through the balancer at once and, the servers
/// sharing a Redis backplane, keeps chatting with the same people.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);

    // Long, so that a reconnect within it can only come from the reset.
    private static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 90_000)]
    public async Task Balancer_BackendKilled_ClientReconnectsThroughTheBalancerToAnotherBackendAndKeepsChatting()
    {
        // Arrange: three servers on one Redis behind nginx; alice through nginx, bob over WebSockets on another server.
        await using var group = new ProcessGroup();
        RedisProcess redis = group.Add(await RedisProcess.StartAsync());
        ChatBackend[] servers = await group.StartBackendsAsync(3, new ChatBackendSettings { Redis = redis });
        NginxBalancer nginx = group.Add(await NginxBalancer.StartAsync(servers.Select(s => s.KcpEndPoint), "30s"));
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HubConnection alice = group.Add(ChatBackend.KcpConnection(nginx.EndPoint, KeepAlive, b => b.WithAutomaticReconnect().WithServerTimeout(ServerTimeout)));
        alice.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await alice.StartAsync().WithTimeout();
        string before = await alice.InvokeAsync<string>(nameof(ChatHubSample.ChatHub.GetServerName)).WithTimeout();
        ChatBackend victim = servers.Single(s => s.Name == before);
        ChatBackend[] survivors = [.. servers.Where(s => s != victim)];
        HubConnection bob = group.Add(survivors[0].WebSocketConnection(KeepAlive));
        ChatInbox aliceInbox = new(alice), bobInbox = new(bob);
        await bob.StartAsync().WithTimeout();
        await alice.InvokeAsync("Send", "alice", "before the crash").WithTimeout();
        await bobInbox.WaitForMessageAsync("before the crash");

        // Act: alice's backend dies without a word.
        await victim.KillAsync();
        var clock = Stopwatch.StartNew();
        await reconnected.Task.WithTimeout();
        TimeSpan back = clock.Elapsed;

        // Assert: back within seconds (alice's next ping, a reset, a new session; not her 20 s server timeout),
        // on a live backend, which had answered her old session with a reset; and the chat goes on both ways.
        string after = await alice.InvokeAsync<string>(nameof(ChatHubSample.ChatHub.GetServerName)).WithTimeout();
        long resets = 0;
        foreach (ChatBackend survivor in survivors)
        {
            resets += (await survivor.GetKcpStatsAsync()).ResetsSent;
        }

        output.WriteLine(string.Join('\n', nginx.Output.Split('\n').Where(l => !l.Contains("[notice]", StringComparison.Ordinal))));
        output.WriteLine($"{before} killed; alice reconnected through nginx to {after} after {back.TotalMilliseconds:0} ms; resets sent by the survivors: {resets}");
        Assert.NotEqual(before, after);
        Assert.Contains(after, survivors.Select(s => s.Name));
        Assert.True(back < TimeSpan.FromSeconds(10), $"reconnecting took {back.TotalSeconds:0.0} s");
        Assert.True(resets >= 1, "no surviving backend sent a reset: the client must have waited for its server timeout");
        await alice.InvokeAsync("Send", "alice", "after the crash").WithTimeout();
        Assert.Equal("kcp", (await bobInbox.WaitForMessageAsync("after the crash")).Transport);
        await bob.InvokeAsync("Send", "bob", "welcome back").WithTimeout();
        Assert.Equal("websockets", (await aliceInbox.WaitForMessageAsync("welcome back")).Transport);
    }
}
