using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// A <c>Url</c> of <c>Kcp:Endpoints</c>: <c>kcp://127.0.0.1:6000</c>, <c>kcp://[::1]:6000</c>, <c>kcp://*:6000</c>
/// (every address, as <c>ListenAnyIP</c>), <c>kcp://0.0.0.0:6000</c>, <c>kcp://[::]:6000</c> (dual mode) or
/// <c>kcp://localhost:6000</c> (both loopbacks, as <c>ListenLocalhost</c>).
/// </summary>
internal sealed class KcpEndpointUrl
{
    /// <summary>The scheme, with its separator.</summary>
    public const string Prefix = "kcp://";

    private const string Forms = "kcp://127.0.0.1:6000, kcp://[::1]:6000, kcp://*:6000, kcp://[::]:6000 or kcp://localhost:6000";

    private KcpEndpointUrl(string text, string host, IPAddress[] listenAddresses, IPAddress dialAddress, int port)
    {
        Text = text;
        Host = host;
        ListenAddresses = listenAddresses;
        DialAddress = dialAddress;
        Port = port;
    }

    /// <summary>The URL as written (trimmed).</summary>
    public string Text { get; }

    /// <summary>The host as written.</summary>
    public string Host { get; }

    /// <summary>The addresses to bind: one, or both loopbacks for <c>localhost</c>.</summary>
    public IPAddress[] ListenAddresses { get; }

    /// <summary>The address a client on this machine dials: the address itself, or loopback for a wildcard or <c>localhost</c>.</summary>
    public IPAddress DialAddress { get; }

    /// <summary>The UDP port (0: a free one, not allowed with <c>localhost</c>).</summary>
    public int Port { get; }

    /// <summary>Parses <paramref name="url"/>; on failure <paramref name="problem"/> says why, to follow the setting's path.</summary>
    public static bool TryParse(string? url, out KcpEndpointUrl? parsed, out string? problem)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = $"is required: the address to listen on, e.g. {Forms}.";
            return false;
        }

        string text = url.Trim();
        if (!text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"'{url}' must start with {Prefix} (e.g. {Forms}); HTTP endpoints belong under Kestrel:Endpoints.";
            return false;
        }

        string authority = text[Prefix.Length..].TrimEnd('/');
        int colon = authority.LastIndexOf(':');
        string host = colon > 0 ? authority[..colon] : string.Empty;
        string portText = colon > 0 ? authority[(colon + 1)..] : string.Empty;
        if (host.Length == 0 || host.Contains('/', StringComparison.Ordinal)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort
            || (host.Contains(':', StringComparison.Ordinal) && !(host.StartsWith('[') && host.EndsWith(']'))))
        {
            problem = $"'{url}' must be kcp://host:port with a port from 0 to 65535 (e.g. {Forms}).";
            return false;
        }

        if (host is "*" or "+")
        {
            IPAddress any = Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
            parsed = new KcpEndpointUrl(text, host, [any], IPAddress.Loopback, port);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                problem = $"'{url}': localhost binds two sockets (127.0.0.1 and [::1]) and needs a fixed port; use kcp://127.0.0.1:0 for a free port.";
                return false;
            }

            IPAddress[] loopbacks = Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
            parsed = new KcpEndpointUrl(text, host, loopbacks, IPAddress.Loopback, port);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            IPAddress dial = address.Equals(IPAddress.Any) ? IPAddress.Loopback
                : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                : address;
            parsed = new KcpEndpointUrl(text, host, [address], dial, port);
        }
        else
        {
            problem = $"'{url}': the host must be an IP address, * or localhost (a UDP socket binds addresses, not names).";
            return false;
        }

        problem = null;
        return true;
    }
}
