using System.Diagnostics.Metrics;
using System.Net;
using Kcp.AspNetCore;
using Kcp.AspNetCore.Internal.Fallback;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
    /// <summary>
    /// Connects the hub connection over KCP to <paramref name="endPoint"/>, with the hub's HTTP URL as a fallback for
    /// networks that block UDP: KCP goes first; when it has not answered within
    /// <see cref="KcpFallbackOptions.HeadStart"/> (250 ms), SignalR's HTTP transports dial <paramref name="fallbackUrl"/>
    /// (negotiate, then WebSockets, server-sent events or long polling, as <c>WithUrl</c> does), and the first to
    /// connect carries the connection; the other is closed. A fallback that won is remembered for
    /// <see cref="KcpFallbackOptions.RememberFallbackFor"/> (reconnects go straight to it), then KCP is tried again.
    /// Which transport won: <see cref="KcpFallbackOptions.OnTransportSelected"/>, log events 16 and 17, and the
    /// <c>kcp.client.connections</c> counter. The server must serve the same hub on both (<c>UseHub</c> on the KCP
    /// endpoint, <c>MapHub</c> at the URL). Stateful reconnect is not offered over the fallback.
    /// </summary>
    /// <param name="builder">The hub connection builder.</param>
    /// <param name="endPoint">The KCP endpoint: a <see cref="KcpEndPoint"/> (with its settings) or an <see cref="IPEndPoint"/> (default settings).</param>
    /// <param name="fallbackUrl">The hub's HTTP URL, as <c>WithUrl</c> takes it (<c>http://host:5080/chat</c>).</param>
    /// <param name="configureFallback">Changes the race (head start, how long a fallback is remembered, the callback).</param>
    /// <param name="configureHttpConnection">Configures the fallback's HTTP connection as <c>WithUrl</c>'s delegate does (transports, headers, access token...).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The endpoint or URL is not usable, or the fallback settings are invalid; the message names each.</exception>
    public static IHubConnectionBuilder WithKcp(
        this IHubConnectionBuilder builder,
        EndPoint endPoint,
        Uri fallbackUrl,
        Action<KcpFallbackOptions>? configureFallback = null,
        Action<HttpConnectionOptions>? configureHttpConnection = null)
    {
        KcpFallbackOptions fallback = FallbackOptions(builder, endPoint, fallbackUrl, configureFallback);
        builder.Services.AddSingleton<IConnectionFactory>(services =>
        {
            ILoggerFactory loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            IMeterFactory? meterFactory = services.GetService<IMeterFactory>();
            var kcp = new KcpConnectionFactory(null, loggerFactory, meterFactory);
            return new HubFallbackConnectionFactory(kcp, ownsKcp: true, fallbackUrl, configureHttpConnection,
                services.GetRequiredService<IHubProtocol>().TransferFormat, fallback, loggerFactory, meterFactory);
        });
        builder.Services.AddSingleton(endPoint);
        return builder;
    }

    /// <summary>
    /// As <see cref="WithKcp(IHubConnectionBuilder, EndPoint, Uri, Action{KcpFallbackOptions}?, Action{HttpConnectionOptions}?)"/>,
    /// dialing KCP through <paramref name="factory"/>, which the caller owns and may share: hub connections built with
    /// one factory also share its memory of fallbacks, so a new one goes straight to a fallback that just won.
    /// </summary>
    /// <param name="builder">The hub connection builder.</param>
    /// <param name="endPoint">The KCP endpoint: a <see cref="KcpEndPoint"/> or an <see cref="IPEndPoint"/> (the factory's settings).</param>
    /// <param name="factory">The KCP connection factory.</param>
    /// <param name="fallbackUrl">The hub's HTTP URL.</param>
    /// <param name="configureFallback">Changes the race.</param>
    /// <param name="configureHttpConnection">Configures the fallback's HTTP connection.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHubConnectionBuilder WithKcp(
        this IHubConnectionBuilder builder,
        EndPoint endPoint,
        KcpConnectionFactory factory,
        Uri fallbackUrl,
        Action<KcpFallbackOptions>? configureFallback = null,
        Action<HttpConnectionOptions>? configureHttpConnection = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        KcpFallbackOptions fallback = FallbackOptions(builder, endPoint, fallbackUrl, configureFallback);
        builder.Services.AddSingleton<IConnectionFactory>(services =>
        {
            ILoggerFactory loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            return new HubFallbackConnectionFactory(factory, ownsKcp: false, fallbackUrl, configureHttpConnection,
                services.GetRequiredService<IHubProtocol>().TransferFormat, fallback, loggerFactory, services.GetService<IMeterFactory>());
        });
        builder.Services.AddSingleton(endPoint);
        return builder;
    }

    private static KcpFallbackOptions FallbackOptions(IHubConnectionBuilder builder, EndPoint endPoint, Uri fallbackUrl, Action<KcpFallbackOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(fallbackUrl);
        if (endPoint is not (IPEndPoint or KcpEndPoint))
        {
            throw new ArgumentException($"A KCP hub connection needs an IPEndPoint or a KcpEndPoint (was {endPoint.GetType().Name}).", nameof(endPoint));
        }

        if (!fallbackUrl.IsAbsoluteUri || fallbackUrl.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The fallback URL must be the hub's absolute http:// or https:// URL, as WithUrl takes it (was '{fallbackUrl}').", nameof(fallbackUrl));
        }

        var fallback = new KcpFallbackOptions();
        configure?.Invoke(fallback);
        fallback.Validate();
        return fallback.Clone();
    }
}
