using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests.Browser;

/// <summary>
/// The page's JavaScript client, the official @microsoft/signalr (not the .NET client), chats over WebSockets with a
/// KCP client. The page itself, in Chromium, is BrowserPageTests.
/// </summary>
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

        // Assert: the version samples/ChatHub/package.json pins.
        Assert.Equal(PinnedSignalRVersion(), page.Version);
        ChatEvent atKcp = await kcpInbox.WaitForMessageAsync("hello from the page");
        Assert.Equal(("web", "websockets"), (atKcp.User, atKcp.Transport));
        Assert.Equal(("alice", "kcp"), await page.WaitForMessageAsync("hello from kcp").WithTimeout());
    }

    private static string PinnedSignalRVersion()
    {
        string packageJson = Path.Combine(NodePageClient.SignalRPackageDirectory, "..", "..", "..", "package.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(packageJson));
        return document.RootElement.GetProperty("dependencies").GetProperty("@microsoft/signalr").GetString()!;
    }
}
