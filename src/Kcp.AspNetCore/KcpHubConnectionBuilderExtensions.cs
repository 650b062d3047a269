using System.Diagnostics.Metrics;
using System.Net;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.SignalR.Client;

/// <summary>Points a SignalR <see cref="HubConnection"/> at a hub served over KCP (a Kestrel endpoint with <c>UseHub</c>).</summary>
public static class KcpHubConnectionBuilderExtensions
{
    /// <summary>
    /// Connects the hub connection over KCP to <paramref name="endPoint"/> (an <see cref="IPEndPoint"/> or a
    /// <see cref="KcpEndPoint"/>). The options must match the server's (crypt, key, FEC shards). SignalR keep-alive
    /// stays on: KCP has no keep-alive of its own, so pings are what detect a dead server.
    /// </summary>
    /// <exception cref="ArgumentException">The configured options are invalid; the message names the setting.</exception>
    public static IHubConnectionBuilder WithKcp(this IHubConnectionBuilder builder, EndPoint endPoint, Action<KcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is not (IPEndPoint or KcpEndPoint))
        {
            throw new ArgumentException($"A KCP hub connection needs an IPEndPoint or a KcpEndPoint (was {endPoint.GetType().Name}).", nameof(endPoint));
        }

        var options = new KcpOptions();
        configure?.Invoke(options);

        // Fail while building, not at the first StartAsync, so a bad key or MTU shows up where it was written.
        options.Validate();

        // HubConnectionBuilder.Build() requires exactly these two services; like WithUrl, the last registration wins.
        builder.Services.AddSingleton<IConnectionFactory>(
            services => new KcpConnectionFactory(options, services.GetService<ILoggerFactory>(), services.GetService<IMeterFactory>()));
        builder.Services.AddSingleton(endPoint);
        return builder;
    }

    /// <summary>
    /// Connects the hub connection over KCP to <paramref name="endPoint"/> through <paramref name="factory"/>, which the
    /// caller owns and may share: hub connections built with one factory whose options have <c>Smux</c> are streams of
    /// one KCP session (many hubs, one session).
    /// </summary>
    public static IHubConnectionBuilder WithKcp(this IHubConnectionBuilder builder, EndPoint endPoint, KcpConnectionFactory factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(factory);
        if (endPoint is not (IPEndPoint or KcpEndPoint))
        {
            throw new ArgumentException($"A KCP hub connection needs an IPEndPoint or a KcpEndPoint (was {endPoint.GetType().Name}).", nameof(endPoint));
        }

        // The factory is registered as an instance: the hub connection's container does not dispose it.
        builder.Services.AddSingleton<IConnectionFactory>(factory);
        builder.Services.AddSingleton(endPoint);
        return builder;
    }
}
