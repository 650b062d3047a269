using System.Net;
using System.Net.Sockets;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// Beside Kestrel's own option extensions (ListenOptionsHttpsExtensions, KestrelServerOptionsSystemdExtensions), in a
// namespace the Web SDK imports implicitly: a Program.cs calls ListenKcp without a using.
namespace Microsoft.AspNetCore.Hosting;

/// <summary>
/// KCP endpoints beside Kestrel's <c>Listen</c>, <c>ListenAnyIP</c> and <c>ListenLocalhost</c>. They need the KCP
/// transport: call <c>UseKcp()</c> on the web host. Endpoints can also be declared in configuration
/// (<c>Kcp:Endpoints:&lt;name&gt;</c>, see <see cref="KcpTransportOptions"/>).
/// </summary>
public static class KestrelServerOptionsKcpExtensions
{
    /// <summary>Listens for KCP on <paramref name="endPoint"/> (port 0 picks a free port) with the transport defaults.</summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="endPoint">The UDP address to bind.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcp(this KestrelServerOptions options, IPEndPoint endPoint, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options.ListenKcp(new KcpEndPoint(endPoint), configure);
    }

    /// <summary>
    /// Listens for KCP on <paramref name="endPoint"/> with its own settings: a copy of the transport defaults changed
    /// by <paramref name="configureKcp"/> (a crypt key, FEC shards...).
    /// </summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="endPoint">The UDP address to bind.</param>
    /// <param name="configureKcp">Changes this endpoint's copy of the transport defaults.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcp(this KestrelServerOptions options, IPEndPoint endPoint, Action<KcpOptions> configureKcp, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options.ListenKcp(new KcpEndPoint(endPoint, EndPointOptions(options, configureKcp)), configure);
    }

    /// <summary>Listens for KCP on <paramref name="address"/>:<paramref name="port"/> (0 picks a free port) with the transport defaults.</summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="address">The IP address to bind.</param>
    /// <param name="port">The UDP port; 0 picks a free one.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcp(this KestrelServerOptions options, IPAddress address, int port, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options.ListenKcp(new IPEndPoint(address, port), configure);
    }

    /// <summary>Listens for KCP on <paramref name="address"/>:<paramref name="port"/> with its own settings (see the <see cref="IPEndPoint"/> overload).</summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="address">The IP address to bind.</param>
    /// <param name="port">The UDP port; 0 picks a free one.</param>
    /// <param name="configureKcp">Changes this endpoint's copy of the transport defaults.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcp(this KestrelServerOptions options, IPAddress address, int port, Action<KcpOptions> configureKcp, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options.ListenKcp(new IPEndPoint(address, port), configureKcp, configure);
    }

    /// <summary>
    /// Listens for KCP on every address, as <c>ListenAnyIP</c> does: the IPv6 wildcard in dual mode (IPv4 peers too)
    /// where the system has IPv6, else the IPv4 wildcard.
    /// </summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="port">The UDP port; 0 picks a free one.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcpAnyIP(this KestrelServerOptions options, int port, Action<ListenOptions>? configure = null)
        => options.ListenKcp(new IPEndPoint(AnyAddress, port), configure);

    /// <summary>Listens for KCP on every address with its own settings (see <see cref="ListenKcpAnyIP(KestrelServerOptions, int, Action{ListenOptions}?)"/>).</summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="port">The UDP port; 0 picks a free one.</param>
    /// <param name="configureKcp">Changes this endpoint's copy of the transport defaults.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcpAnyIP(this KestrelServerOptions options, int port, Action<KcpOptions> configureKcp, Action<ListenOptions>? configure = null)
        => options.ListenKcp(new IPEndPoint(AnyAddress, port), configureKcp, configure);

    /// <summary>
    /// Listens for KCP on the loopback addresses, as <c>ListenLocalhost</c> does: 127.0.0.1 and, where the system has
    /// IPv6, [::1] (two UDP sockets, both configured by <paramref name="configure"/>). The port must be given: each
    /// socket would get another free port.
    /// </summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="port">The UDP port, 1 to 65535.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is 0 or out of range.</exception>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcpLocalhost(this KestrelServerOptions options, int port, Action<ListenOptions>? configure = null)
    {
        foreach (IPAddress address in LocalhostAddresses(port))
        {
            options.ListenKcp(new IPEndPoint(address, port), configure);
        }
    }

    /// <summary>Listens for KCP on the loopback addresses with their own settings (one copy shared by both sockets).</summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="port">The UDP port, 1 to 65535.</param>
    /// <param name="configureKcp">Changes the endpoints' copy of the transport defaults.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is 0 or out of range.</exception>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcpLocalhost(this KestrelServerOptions options, int port, Action<KcpOptions> configureKcp, Action<ListenOptions>? configure = null)
    {
        IPAddress[] addresses = LocalhostAddresses(port);
        KcpOptions kcp = EndPointOptions(options, configureKcp);
        foreach (IPAddress address in addresses)
        {
            options.ListenKcp(new KcpEndPoint(new IPEndPoint(address, port), kcp), configure);
        }
    }

    /// <summary>Listens on <paramref name="endPoint"/>, which carries its own settings or null for the transport defaults.</summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="endPoint">The KCP endpoint to bind.</param>
    /// <param name="configure">Adds middleware or a connection handler; without a terminal handler Kestrel serves HTTP.</param>
    /// <exception cref="InvalidOperationException"><c>UseKcp()</c> was not called on the web host.</exception>
    public static void ListenKcp(this KestrelServerOptions options, KcpEndPoint endPoint, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        RequireTransport(options);
        options.Listen(endPoint, configure ?? (static _ => { }));
    }

    private static IPAddress AnyAddress => Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    private static IPAddress[] LocalhostAddresses(int port)
    {
        if (port is < 1 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentOutOfRangeException(
                nameof(port), port, "ListenKcpLocalhost needs a port from 1 to 65535: with port 0 the IPv4 and IPv6 loopback sockets would get different ports. Bind 127.0.0.1:0 with ListenKcp instead.");
        }

        return Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
    }

    private static KcpOptions EndPointOptions(KestrelServerOptions options, Action<KcpOptions> configureKcp)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configureKcp);
        RequireTransport(options);
        KcpOptions kcp;
        try
        {
            kcp = options.ApplicationServices?.GetService<IOptions<KcpTransportOptions>>()?.Value.Defaults.Clone() ?? new KcpOptions();
        }
        catch (OptionsValidationException)
        {
            // Invalid configuration: ValidateOnStart stops the host, naming every problem, before anything binds.
            kcp = new KcpOptions();
        }

        configureKcp(kcp);
        return kcp;
    }

    private static void RequireTransport(KestrelServerOptions options)
    {
        // ApplicationServices is set before any ConfigureKestrel callback runs; without it (options built by hand)
        // there is nothing to check, and Kestrel's own error remains.
        if (options.ApplicationServices is { } services && services.GetService<KcpTransportFactory>() is null)
        {
            throw new InvalidOperationException(
                "ListenKcp needs the KCP transport, which is not registered: call UseKcp() on the web host " +
                "(builder.WebHost.UseKcp()) before the server starts.");
        }
    }
}
