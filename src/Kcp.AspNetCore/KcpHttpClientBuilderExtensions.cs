using System.Diagnostics.Metrics;
using System.Net;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes an <c>AddHttpClient</c> client speak HTTP (1.1, or 2 when asked for, with or without TLS) over KCP.</summary>
public static class KcpHttpClientBuilderExtensions
{
    /// <summary>
    /// Every connection of this client is a KCP session to the host and port of the request URI (an IP address, or a
    /// name resolved with DNS), with default <see cref="KcpOptions"/> changed by <paramref name="configure"/>. See
    /// <see cref="KcpHttpHandler"/> for HTTP/2 and TLS.
    /// </summary>
    /// <param name="builder">The client's builder from <c>AddHttpClient</c>.</param>
    /// <param name="configure">Changes the KCP settings, which must match the server's.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The settings are invalid; the message names each one.</exception>
    public static IHttpClientBuilder UseKcp(this IHttpClientBuilder builder, Action<KcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new KcpOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.ConfigurePrimaryHttpMessageHandler(sp => KcpHttpHandler.Create(options, sp.GetService<ILoggerFactory>()));
    }

    /// <summary>
    /// Every connection of this client is a KCP session to <paramref name="endPoint"/>, whatever host the request URI
    /// names: an <see cref="IPEndPoint"/>, or a <see cref="KcpEndPoint"/> whose settings are used (for example one
    /// from <c>configuration.GetKcpEndPoint("Api")</c>), changed by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The client's builder from <c>AddHttpClient</c>.</param>
    /// <param name="endPoint">The KCP endpoint every connection dials.</param>
    /// <param name="configure">Changes the KCP settings, which must match the server's.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The endpoint is neither kind, or the settings are invalid; the message names each one.</exception>
    public static IHttpClientBuilder UseKcp(this IHttpClientBuilder builder, EndPoint endPoint, Action<KcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endPoint);
        (IPEndPoint target, KcpOptions options) = Target(endPoint);
        configure?.Invoke(options);
        options.Validate();
        return builder.ConfigurePrimaryHttpMessageHandler(sp => KcpHttpHandler.Create(target, options, sp.GetService<ILoggerFactory>()));
    }

    /// <summary>
    /// Every connection of this client races a KCP session to <paramref name="endPoint"/> against a TCP connection to
    /// the request URI's host and port (the client's <c>BaseAddress</c>, the server's TCP address), for networks that
    /// block UDP: KCP goes first, TCP after <see cref="KcpFallbackOptions.HeadStart"/> without an answer, the winner
    /// carries the connection (<see cref="KcpHttpHandler.CreateWithTcpFallback"/>). The KCP settings are the
    /// <see cref="KcpEndPoint"/>'s (or the defaults for an <see cref="IPEndPoint"/>).
    /// </summary>
    /// <param name="builder">The client's builder from <c>AddHttpClient</c>.</param>
    /// <param name="endPoint">The KCP endpoint every connection tries first.</param>
    /// <param name="configureFallback">Changes the race (head start, how long a TCP win is remembered, the callback).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The endpoint is neither kind, or the settings are invalid; the message names each one.</exception>
    public static IHttpClientBuilder UseKcpWithTcpFallback(this IHttpClientBuilder builder, EndPoint endPoint, Action<KcpFallbackOptions>? configureFallback = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endPoint);
        (IPEndPoint target, KcpOptions options) = Target(endPoint);
        options.Validate();
        var fallback = new KcpFallbackOptions();
        configureFallback?.Invoke(fallback);
        fallback.Validate();
        return builder.ConfigurePrimaryHttpMessageHandler(sp =>
            KcpHttpHandler.CreateWithTcpFallback(target, options, fallback, sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>()));
    }

    // The address and a copy of the settings to dial: a KcpEndPoint's own, or the defaults for an IPEndPoint.
    private static (IPEndPoint Target, KcpOptions Options) Target(EndPoint endPoint) => endPoint switch
    {
        KcpEndPoint kcp => (kcp.IPEndPoint, kcp.Options?.Clone() ?? new KcpOptions()),
        IPEndPoint ip => (ip, new KcpOptions()),
        _ => throw new ArgumentException($"A KCP HTTP client needs an IPEndPoint or a KcpEndPoint (was {endPoint.GetType().Name}).", nameof(endPoint)),
    };
}
