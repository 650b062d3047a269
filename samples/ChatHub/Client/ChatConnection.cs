using System.Net;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>Builds hub connections to the chat over KCP with the shared "Kcp" settings (crypt, key, FEC, preset).</summary>
internal static class ChatConnection
{
    public static HubConnection Create(IPEndPoint server, KcpChatSettings settings)
        => new HubConnectionBuilder()
            .WithKcp(server, settings.Apply)
            .WithAutomaticReconnect()
            .Build();
}
