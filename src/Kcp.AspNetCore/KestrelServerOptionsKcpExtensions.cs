using System.Net;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Server.Kestrel.Core;

/// <summary>Adds KCP endpoints to Kestrel (requires <c>UseKcp()</c> on the web host).</summary>
public static class KestrelServerOptionsKcpExtensions
{
    /// <summary>Listens for KCP on <paramref name="address"/>:<paramref name="port"/> (0 picks a free port) with the transport defaults.</summary>
    public static void ListenKcp(this KestrelServerOptions options, IPAddress address, int port, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options.ListenKcp(new KcpEndPoint(new IPEndPoint(address, port)), configure);
    }

    /// <summary>
    /// Listens for KCP on <paramref name="address"/>:<paramref name="port"/> with its own settings: a copy of the
    /// transport defaults changed by <paramref name="configureKcp"/> (for example a crypt key or FEC shards).
    /// </summary>
    public static void ListenKcp(this KestrelServerOptions options, IPAddress address, int port, Action<KcpOptions> configureKcp, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(configureKcp);
        IServiceProvider? services = options.ApplicationServices;
        KcpOptions kcp = services?.GetService<IOptions<KcpTransportOptions>>()?.Value.Defaults.Clone() ?? new KcpOptions();
        configureKcp(kcp);
        options.ListenKcp(new KcpEndPoint(new IPEndPoint(address, port), kcp), configure);
    }

    /// <summary>Listens on <paramref name="endPoint"/>; <paramref name="configure"/> adds middleware or a connection handler (without one, Kestrel serves HTTP/1.1).</summary>
    public static void ListenKcp(this KestrelServerOptions options, KcpEndPoint endPoint, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        options.Listen(endPoint, configure ?? (static _ => { }));
    }
}
