using System.Net;
using Kcp.AspNetCore;
using Kcp.AspNetCore.Internal;
using Kcp.Transport;

namespace Microsoft.Extensions.Configuration;

/// <summary>Reads a KCP endpoint declared in configuration, for the client that dials it.</summary>
public static class KcpConfigurationExtensions
{
    /// <summary>
    /// The endpoint <c>Kcp:Endpoints:<paramref name="name"/></c> as a client on this machine dials it: the address of
    /// its <c>Url</c> (loopback for <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c> or <c>localhost</c>) and its KCP settings
    /// (<c>Kcp:Defaults</c> with the endpoint's own keys), which must match the server's. A client and a server that
    /// read the same configuration agree on crypt, key and FEC. Pass it to <c>WithKcp</c>, <c>UseKcp</c> or
    /// <see cref="KcpConnectionFactory.ConnectAsync"/>.
    /// </summary>
    /// <param name="configuration">The configuration holding the <c>Kcp</c> section.</param>
    /// <param name="name">The endpoint's name, the key under <c>Kcp:Endpoints</c>.</param>
    /// <returns>The endpoint, carrying its settings in <see cref="KcpEndPoint.Options"/>.</returns>
    /// <exception cref="InvalidOperationException">The endpoint is missing or its settings are invalid; the message names each key as written.</exception>
    public static KcpEndPoint GetKcpEndPoint(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(name);
        IConfigurationSection? kcp = KcpConfigurationReader.FindSection(configuration);
        string path = $"{KcpTransportOptions.SectionName}:{KcpTransportOptions.EndpointsKey}:{name}";
        IConfigurationSection? section = kcp is not null && KcpOptionsBinder.Child(kcp, KcpTransportOptions.EndpointsKey) is { } endpoints ? KcpOptionsBinder.Child(endpoints, name) : null;
        if (kcp is null || section is null)
        {
            throw new InvalidOperationException($"The configuration has no {path} (its Url, e.g. {path}:Url = kcp://127.0.0.1:6000, and its KCP settings).");
        }

        var errors = new List<string>();
        var defaults = new KcpOptions();
        IConfigurationSection? defaultsSection = KcpOptionsBinder.Child(kcp, KcpTransportOptions.DefaultsKey);
        if (defaultsSection is not null)
        {
            KcpConfigurationReader.ReadDefaults(defaultsSection, defaults, errors);
            defaults.ReusePort = false; // a listener's setting, which a dialer does not validate
            errors.AddRange(KcpConfigurationReader.ValidateDefaults(defaults, defaultsSection));
        }

        KcpConfiguredEndpoint? endpoint = errors.Count == 0
            ? KcpConfigurationReader.ReadEndpoint(section, defaults, defaultsSection, contentRoot: null, errors, server: false)
            : null;
        if (endpoint is null)
        {
            throw new InvalidOperationException($"Invalid KCP endpoint {section.Path}: {string.Join(" ", errors)}");
        }

        return new KcpEndPoint(new IPEndPoint(endpoint.Url.DialAddress, endpoint.Url.Port), endpoint.Options);
    }
}
