using ChatHub.Tests.Infrastructure;
using ChatHubSample.Stats;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatHub.Tests;

/// <summary>A KCP hub client with automatic reconnect survives the server dropping its session.</summary>
public sealed class ReconnectTests : IAsyncLifetime
{
    // Own server: the test aborts every KCP connection on it.
    private readonly ChatServerFactory _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AutomaticReconnect_ServerAbortsKcpSession_ClientReconnectsAndChatsAgain()
    {
        // Arrange: KCP has no reset, so the client learns of the drop from missing server pings (1 s apart here).
        await using HubConnection alice = _server.CreateKcpConnection(builder => builder
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)])
            .WithServerTimeout(TimeSpan.FromSeconds(4))
            .WithKeepAliveInterval(TimeSpan.FromSeconds(1)));
        await using HubConnection page = _server.CreateWebSocketConnection();
        var pageInbox = new ChatInbox(page);
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.Reconnecting += _ =>
        {
            reconnecting.TrySetResult();
            return Task.CompletedTask;
        };
        alice.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await Task.WhenAll(alice.StartAsync(), page.StartAsync()).WithTimeout();
        await alice.InvokeAsync("Send", "alice", "before the drop").WithTimeout();
        await pageInbox.WaitForMessageAsync("before the drop");
        string? firstId = alice.ConnectionId;

        // Act
        int aborted = _server.Services.GetRequiredService<KcpConnectionRegistry>().AbortAll("test drops the session");

        // Assert
        Assert.Equal(1, aborted);
        await reconnecting.Task.WithTimeout(TestTimeouts.Reconnect);
        await reconnected.Task.WithTimeout(TestTimeouts.Reconnect);
        Assert.Equal(HubConnectionState.Connected, alice.State);
        Assert.NotEqual(firstId, alice.ConnectionId);
        await alice.InvokeAsync("Send", "alice", "after the drop").WithTimeout();
        ChatEvent after = await pageInbox.WaitForMessageAsync("after the drop");
        Assert.Equal("kcp", after.Transport);
    }
}
