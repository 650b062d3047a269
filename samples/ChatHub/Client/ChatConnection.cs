using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>
/// Builds hub connections to the chat over KCP with the endpoint's settings (crypt, key, FEC, preset), and, given the
/// server's web address, with WebSockets as the fallback where UDP is blocked. The connections of one run share one
/// KCP factory, so once the fallback won, the others (and reconnects) go straight to it for a while.
/// </summary>
internal sealed class ChatConnection(KcpEndPoint server, Uri? fallback) : IAsyncDisposable
{
    private readonly KcpConnectionFactory _kcp = new(server.Options);

    /// <summary>A connection; <paramref name="selected"/> hears which transport carries it (without --fallback: KCP).</summary>
    public HubConnection Create(Action<IKcpTransportSelectionFeature>? selected = null)
    {
        IHubConnectionBuilder builder = fallback is null
            ? new HubConnectionBuilder().WithKcp(server, _kcp)
            : new HubConnectionBuilder().WithKcp(server, _kcp, fallback, o => o.OnTransportSelected = selected);
        return builder.WithAutomaticReconnect().Build();
    }

    /// <summary>What carries a connection made by <see cref="Create"/>, once it started.</summary>
    public static string Transport(IKcpTransportSelectionFeature? selection) => selection?.Transport ?? "kcp";

    public ValueTask DisposeAsync() => _kcp.DisposeAsync();
}
