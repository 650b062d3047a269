using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests.Browser;

/// <summary>The page's own JavaScript client (not the .NET WebSocket client) chats with a KCP client.</summary>
public sealed class PageClientTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task PageClient_AndKcpClient_SeeEachOthersMessages()
    {
        // Arrange
        await using HubConnection kcp = server.CreateKcpConnection();
        var kcpInbox = new ChatInbox(kcp);
        await kcp.StartAsync().WithTimeout();
        server.StartServer();
        await using NodePageClient page = await NodePageClient.StartAsync(server.ClientOptions.BaseAddress).WithTimeout();

        // Act
        await page.InvokeAsync("Send", "web", "hello from the page").WithTimeout();
        await kcp.InvokeAsync("Send", "alice", "hello from kcp").WithTimeout();

        // Assert
        ChatEvent atKcp = await kcpInbox.WaitForMessageAsync("hello from the page");
        Assert.Equal(("web", "websocket"), (atKcp.User, atKcp.Transport));
        Assert.Equal(("alice", "kcp"), await page.WaitForMessageAsync("hello from kcp").WithTimeout());
    }
}
