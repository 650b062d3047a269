using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests;

/// <summary>SignalR keep-alive stays on over KCP (the transport must not claim an inherent keep-alive).</summary>
public sealed class KeepAliveTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task IdleKcpClient_LongerThanServerClientTimeout_StaysConnected()
    {
        // Arrange: the test server drops clients silent for 6 s; only the client's pings keep this one alive.
        await using HubConnection idle = server.CreateKcpConnection();
        await using HubConnection other = server.CreateKcpConnection();
        var inbox = new ChatInbox(idle);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        idle.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        await Task.WhenAll(idle.StartAsync(), other.StartAsync()).WithTimeout();

        // Act: stay silent well past the server's client timeout.
        Task first = await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(10)));

        // Assert
        Assert.NotSame(closed.Task, first);
        Assert.Equal(HubConnectionState.Connected, idle.State);
        await other.InvokeAsync("Send", "other", "still there?").WithTimeout();
        await inbox.WaitForMessageAsync("still there?");
    }
}
