using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests;

/// <summary>
/// Classic SignalR (negotiate, WebSockets, long polling) on a Kestrel whose only endpoint is KCP: every HTTP request
/// and the WebSocket upgrade travel over KCP sessions opened by KcpHttpHandler.
/// </summary>
public sealed class HttpOverKcpHubTests
{
    [Fact]
    public async Task Chat_WebSocketAndLongPollingClientsOverKcp_ReceiveEachOthersMessages()
    {
        // Arrange
        await using HttpOverKcpChatServer server = await HttpOverKcpChatServer.StartAsync();
        await using HubConnection ws = HttpOverKcpChatServer.CreateConnection(server.EndPoint, HttpTransportType.WebSockets);
        await using HubConnection lp = HttpOverKcpChatServer.CreateConnection(server.EndPoint, HttpTransportType.LongPolling);
        var wsInbox = new ChatInbox(ws);
        var lpInbox = new ChatInbox(lp);
        await Task.WhenAll(ws.StartAsync(), lp.StartAsync()).WithTimeout();

        // Act
        await ws.InvokeAsync("Send", "ws", "hello over a websocket on kcp").WithTimeout();
        await lp.InvokeAsync("Send", "lp", "hello over long polling on kcp").WithTimeout();

        // Assert
        Assert.Equal("ws", (await lpInbox.WaitForMessageAsync("hello over a websocket on kcp")).User);
        Assert.Equal("lp", (await wsInbox.WaitForMessageAsync("hello over long polling on kcp")).User);
        Assert.NotEmpty(server.Transport.GetActiveSessions()); // the server has no other endpoint
    }

    [Fact]
    public async Task KeepAlive_IdleWebSocketOverKcp_StaysConnectedPastTheServerTimeout()
    {
        // Arrange: pings every second keep a 3 s server timeout from firing while nobody talks.
        await using HttpOverKcpChatServer server = await HttpOverKcpChatServer.StartAsync();
        await using HubConnection client = HttpOverKcpChatServer.CreateConnection(server.EndPoint, HttpTransportType.WebSockets,
            builder => builder.WithServerTimeout(TimeSpan.FromSeconds(3)));
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        var inbox = new ChatInbox(client);
        await client.StartAsync().WithTimeout();
        string? id = client.ConnectionId;

        // Act
        await Task.Delay(TimeSpan.FromSeconds(8));
        await client.InvokeAsync("Send", "idle", "still here").WithTimeout();

        // Assert
        await inbox.WaitForMessageAsync("still here");
        Assert.False(closed.Task.IsCompleted, "The connection closed while idle.");
        Assert.Equal(id, client.ConnectionId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AutomaticReconnect_ServerRestartsOnTheSamePort_ClientReconnectsToTheNewHost(bool rawHub)
    {
        // Arrange: over HTTP (WebSockets) on KCP, or straight over KCP (UseHub / WithKcp).
        HttpOverKcpChatServer first = await HttpOverKcpChatServer.StartAsync(rawHub: rawHub);
        int port = first.EndPoint.Port;
        HttpOverKcpChatServer? second = null;
        Action<IHubConnectionBuilder> reconnect = builder => builder
            .WithAutomaticReconnect(Enumerable.Repeat(TimeSpan.FromMilliseconds(500), 60).ToArray())
            .WithServerTimeout(TimeSpan.FromSeconds(4));
        await using HubConnection client = rawHub
            ? HttpOverKcpChatServer.CreateRawConnection(first.EndPoint, reconnect)
            : HttpOverKcpChatServer.CreateConnection(first.EndPoint, HttpTransportType.WebSockets, reconnect);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        var inbox = new ChatInbox(client);
        try
        {
            await client.StartAsync().WithTimeout();
            string? firstId = client.ConnectionId;

            // Act: the first host goes away; a new one binds the same UDP port.
            await first.DisposeAsync();
            second = await HttpOverKcpChatServer.StartAsync(port, rawHub);
            await reconnected.Task.WithTimeout(TestTimeouts.Reconnect);
            await client.InvokeAsync("Send", "back", "after the restart").WithTimeout();

            // Assert
            await inbox.WaitForMessageAsync("after the restart");
            Assert.Equal(HubConnectionState.Connected, client.State);
            Assert.NotEqual(firstId, client.ConnectionId);
            Assert.NotEmpty(second.Transport.GetActiveSessions());
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Groups_OverHttpOnKcp_OnlyMembersReceiveGroupMessages()
    {
        // Arrange
        await using HttpOverKcpChatServer server = await HttpOverKcpChatServer.StartAsync();
        await using HubConnection member = HttpOverKcpChatServer.CreateConnection(server.EndPoint, HttpTransportType.WebSockets);
        await using HubConnection outsider = HttpOverKcpChatServer.CreateConnection(server.EndPoint, HttpTransportType.WebSockets);
        var memberInbox = new ChatInbox(member);
        var outsiderInbox = new ChatInbox(outsider);
        await Task.WhenAll(member.StartAsync(), outsider.StartAsync()).WithTimeout();
        await member.InvokeAsync("JoinGroup", "kcp-room", "member").WithTimeout();

        // Act
        await outsider.InvokeAsync("SendToGroup", "kcp-room", "outsider", "for the room").WithTimeout();
        await outsider.InvokeAsync("Send", "outsider", "for everyone").WithTimeout();

        // Assert: the broadcast sent after the group message reaches the outsider with no group message before it.
        ChatEvent inRoom = await memberInbox.WaitForAsync(e => e.Group == "kcp-room");
        Assert.Equal(("outsider", "for the room"), (inRoom.User, inRoom.Message));
        await outsiderInbox.WaitForMessageAsync("for everyone");
        Assert.DoesNotContain(outsiderInbox.Seen, e => e.Group is not null);
    }
}
