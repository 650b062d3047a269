using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests;

/// <summary>Two KCP clients and one WebSocket client in the same chat.</summary>
public sealed class ChatExchangeTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task Send_KcpAndWebSocketClients_EveryoneReceivesEveryMessageWithItsTransport()
    {
        // Arrange
        await using HubConnection alice = server.CreateKcpConnection();
        await using HubConnection bob = server.CreateKcpConnection();
        await using HubConnection carol = server.CreateWebSocketConnection();
        var inboxes = new[] { new ChatInbox(alice), new ChatInbox(bob), new ChatInbox(carol) };
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync(), carol.StartAsync()).WithTimeout();

        // Act
        await alice.InvokeAsync("Send", "alice", "hello from kcp 1").WithTimeout();
        await bob.InvokeAsync("Send", "bob", "hello from kcp 2").WithTimeout();
        await carol.InvokeAsync("Send", "carol", "hello from the page").WithTimeout();

        // Assert
        foreach (ChatInbox inbox in inboxes)
        {
            ChatEvent a = await inbox.WaitForMessageAsync("hello from kcp 1");
            ChatEvent b = await inbox.WaitForMessageAsync("hello from kcp 2");
            ChatEvent c = await inbox.WaitForMessageAsync("hello from the page");
            Assert.Equal(("alice", "kcp"), (a.User, a.Transport));
            Assert.Equal(("bob", "kcp"), (b.User, b.Transport));
            Assert.Equal(("carol", "websockets"), (c.User, c.Transport));
        }
    }

    [Fact]
    public async Task Send_ManyMessagesOverKcp_WebSocketClientReceivesAllInOrder()
    {
        // Arrange
        await using HubConnection sender = server.CreateKcpConnection();
        await using HubConnection page = server.CreateWebSocketConnection();
        var inbox = new ChatInbox(page);
        await Task.WhenAll(sender.StartAsync(), page.StartAsync()).WithTimeout();
        const int count = 200;

        // Act: fire-and-forget sends, so many hub messages share KCP segments.
        for (int i = 0; i < count; i++)
        {
            await sender.SendAsync("Send", "burst", $"m{i}").WithTimeout();
        }

        // Assert
        for (int i = 0; i < count; i++)
        {
            ChatEvent received = await inbox.WaitForAsync(e => e.User == "burst");
            Assert.Equal($"m{i}", received.Message);
        }
    }

    [Fact]
    public async Task Send_LargeMessageOverKcp_ArrivesIntact()
    {
        // Arrange: many KCP segments (more than one FEC group) yet under SignalR's 32 KB receive limit.
        await using HubConnection sender = server.CreateKcpConnection();
        await using HubConnection receiver = server.CreateKcpConnection();
        var inbox = new ChatInbox(receiver);
        await Task.WhenAll(sender.StartAsync(), receiver.StartAsync()).WithTimeout();
        string text = string.Create(30 * 1024, 0, (span, _) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i * 7 % 26));
            }
        });

        // Act
        await sender.InvokeAsync("Send", "big", text).WithTimeout();

        // Assert
        ChatEvent received = await inbox.WaitForAsync(e => e.User == "big");
        Assert.Equal(text, received.Message);
    }
}
