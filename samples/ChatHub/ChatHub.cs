using ChatHubSample.ScaleOut;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ChatHubSample;

/// <summary>
/// The chat: one hub served twice, over KCP (a Kestrel KCP endpoint with <c>UseHub</c>) and over WebSockets
/// (<c>MapHub</c> on the HTTP endpoint). Both kinds of client share the same groups and broadcasts because both
/// endpoints use the same hub lifetime manager; with a Redis backplane that manager carries them to every server.
/// </summary>
internal sealed class ChatHub(IOptions<ChatServerOptions> server) : Hub
{
    /// <summary>The URL path of the WebSocket (HTTP) endpoint of the hub.</summary>
    public const string Path = "/chat";

    /// <summary>Client method receiving (user, message, transport) for a broadcast.</summary>
    public const string ReceiveMessage = "ReceiveMessage";

    /// <summary>Client method receiving (group, user, message, transport) for a group message.</summary>
    public const string ReceiveGroupMessage = "ReceiveGroupMessage";

    /// <summary>Client method receiving (group, user) when someone joins a group.</summary>
    public const string JoinedGroup = "JoinedGroup";

    /// <summary>
    /// The transport that carries the caller, as the server sees it: <c>kcp</c>, or SignalR's HTTP transport
    /// (<c>websockets</c>, <c>serversentevents</c>, <c>longpolling</c>) for the page and for console clients whose
    /// KCP fell back.
    /// </summary>
    public string GetTransport() => TransportName();

    /// <summary>The name of the server this connection is on (<c>ChatHub:ServerName</c>): behind a load balancer, which backend serves it.</summary>
    public string GetServerName() => server.Value.ServerName;

    /// <summary>Sends a message to everyone.</summary>
    public Task Send(string user, string message)
        => Clients.All.SendAsync(ReceiveMessage, user, message, TransportName(), Context.ConnectionAborted);

    /// <summary>Adds the caller to a group and tells the group.</summary>
    public async Task JoinGroup(string group, string user)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted).ConfigureAwait(false);
        await Clients.Group(group).SendAsync(JoinedGroup, group, user, Context.ConnectionAborted).ConfigureAwait(false);
    }

    /// <summary>Removes the caller from a group.</summary>
    public Task LeaveGroup(string group)
        => Groups.RemoveFromGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);

    /// <summary>Sends a message to the members of a group.</summary>
    public Task SendToGroup(string group, string user, string message)
        => Clients.Group(group).SendAsync(ReceiveGroupMessage, group, user, message, TransportName(), Context.ConnectionAborted);

    // Lets the page show which way a message came in; KCP connections carry the transport's session feature.
    private string TransportName() => Context.Features.Get<IKcpSessionFeature>() is not null
        ? "kcp"
        : Context.Features.Get<IHttpTransportFeature>()?.TransportType.ToString().ToLowerInvariant() ?? "http";
}
