using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>Builds hub connections to the chat over KCP with the endpoint's settings (crypt, key, FEC, preset).</summary>
internal static class ChatConnection
{
    public static HubConnection Create(KcpEndPoint server)
        => new HubConnectionBuilder()
            .WithKcp(server)
            .WithAutomaticReconnect()
            .Build();
}
