using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests;

/// <summary>JoinGroup/LeaveGroup/SendToGroup across KCP and WebSocket clients.</summary>
public sealed class GroupTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task SendToGroup_MembersOnKcpAndWebSocket_OnlyMembersReceive()
    {
        // Arrange: alice (KCP) and carol (WebSocket) join "room"; bob (KCP) does not.
        await using HubConnection alice = server.CreateKcpConnection();
        await using HubConnection bob = server.CreateKcpConnection();
        await using HubConnection carol = server.CreateWebSocketConnection();
        var aliceInbox = new ChatInbox(alice);
        var bobInbox = new ChatInbox(bob);
        var carolInbox = new ChatInbox(carol);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync(), carol.StartAsync()).WithTimeout();
        await alice.InvokeAsync("JoinGroup", "room", "alice").WithTimeout();
        await carol.InvokeAsync("JoinGroup", "room", "carol").WithTimeout();

        // Act: a non-member may still post to the group; then a broadcast marks the end.
        await bob.InvokeAsync("SendToGroup", "room", "bob", "to the room").WithTimeout();
        await bob.InvokeAsync("Send", "bob", "barrier").WithTimeout();

        // Assert
        ChatEvent atAlice = await aliceInbox.WaitForAsync(e => e.Group == "room");
        ChatEvent atCarol = await carolInbox.WaitForAsync(e => e.Group == "room");
        Assert.Equal(("bob", "to the room", "kcp"), (atAlice.User, atAlice.Message, atAlice.Transport));
        Assert.Equal(("bob", "to the room", "kcp"), (atCarol.User, atCarol.Message, atCarol.Transport));

        // The server writes to bob's connection in order, so once the barrier is in, a group message would be too.
        await bobInbox.WaitForMessageAsync("barrier");
        Assert.DoesNotContain(bobInbox.Seen, e => e.Group is not null);
    }

    [Fact]
    public async Task LeaveGroup_KcpMemberLeaves_NoLongerReceivesGroupMessages()
    {
        // Arrange
        await using HubConnection alice = server.CreateKcpConnection();
        await using HubConnection carol = server.CreateWebSocketConnection();
        var aliceInbox = new ChatInbox(alice);
        var carolInbox = new ChatInbox(carol);
        await Task.WhenAll(alice.StartAsync(), carol.StartAsync()).WithTimeout();
        await alice.InvokeAsync("JoinGroup", "leavers", "alice").WithTimeout();
        await carol.InvokeAsync("JoinGroup", "leavers", "carol").WithTimeout();
        await carol.InvokeAsync("SendToGroup", "leavers", "carol", "before").WithTimeout();
        ChatEvent before = await aliceInbox.WaitForAsync(e => e.Group == "leavers");
        Assert.Equal(("before", "websockets"), (before.Message, before.Transport));

        // Act
        await alice.InvokeAsync("LeaveGroup", "leavers").WithTimeout();
        await carol.InvokeAsync("SendToGroup", "leavers", "carol", "after").WithTimeout();
        await carol.InvokeAsync("Send", "carol", "barrier-2").WithTimeout();

        // Assert: carol, still a member, gets "after"; alice gets the barrier but not "after".
        await carolInbox.WaitForAsync(e => e.Group == "leavers" && e.Message == "after");
        await aliceInbox.WaitForMessageAsync("barrier-2");
        Assert.DoesNotContain(aliceInbox.Seen, e => e.Group == "leavers");
    }
}
