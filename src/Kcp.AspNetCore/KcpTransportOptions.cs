using Kcp.AspNetCore.Internal;
using Kcp.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kcp.AspNetCore;

/// <summary>
/// Settings of the Kestrel KCP transport, read from the configuration section <see cref="SectionName"/> (README,
/// "Configuration"): <c>Kcp:Defaults</c> holds the <see cref="KcpOptions"/> every endpoint starts from, and each
/// <c>Kcp:Endpoints:&lt;name&gt;</c> declares an endpoint (<c>Url</c>, <c>Protocols</c>, <c>Certificate</c> and any
/// KCP setting) as <c>Kestrel:Endpoints</c> does for TCP. Both accept <c>Preset</c> (Normal, Fast, Fast2, Fast3),
/// applied before the other keys. Every problem (an unknown key, a value out of range, a bad URL) stops the host at
/// start-up with a message naming the key as written, e.g. <c>Kcp:Endpoints:Chat:Mtu must be between 50 and 1500
/// (was 99999).</c> The section is read once, when the host starts: changes made later (configuration reload) are
/// logged and take effect at the next start.
/// </summary>
public sealed class KcpTransportOptions
{
    /// <summary>The configuration section the transport reads.</summary>
    public const string SectionName = "Kcp";

    /// <summary>The section, under <see cref="SectionName"/>, of the settings shared by every endpoint.</summary>
    public const string DefaultsKey = "Defaults";

    /// <summary>The section, under <see cref="SectionName"/>, of the named endpoints.</summary>
    public const string EndpointsKey = "Endpoints";

    /// <summary>The settings of every KCP endpoint that does not bring its own; per-endpoint settings start as a copy of these.</summary>
    public KcpOptions Defaults { get; } = new();

    /// <summary>Problems found while reading configuration, reported by validation with the other errors.</summary>
    internal List<string> ConfigurationErrors { get; } = [];

    /// <summary>The endpoints declared under <c>Kcp:Endpoints</c>, in configuration order.</summary>
    internal List<KcpConfiguredEndpoint> ConfiguredEndpoints { get; } = [];

    /// <summary>What <see cref="Endpoint"/> registered, by endpoint name (case-insensitive, as configuration keys are).</summary>
    internal Dictionary<string, Action<ListenOptions>> EndpointCallbacks { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Configures the endpoint declared in configuration as <c>Kcp:Endpoints:<paramref name="name"/></c>, as
    /// Kestrel's <c>KestrelConfigurationLoader.Endpoint</c> does: <paramref name="configure"/> adds connection
    /// middleware or a handler (<c>UseHub&lt;T&gt;()</c>, <c>UseConnectionHandler&lt;T&gt;()</c>). It runs after the
    /// endpoint's certificate (TLS) is applied. Start-up fails if the configuration has no such endpoint.
    /// </summary>
    /// <param name="name">The endpoint's name, the key under <c>Kcp:Endpoints</c>.</param>
    /// <param name="configure">Adds middleware or a connection handler.</param>
    /// <returns>These options, for chaining.</returns>
    public KcpTransportOptions Endpoint(string name, Action<ListenOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        EndpointCallbacks[name] = EndpointCallbacks.TryGetValue(name, out Action<ListenOptions>? earlier) ? earlier + configure : configure;
        return this;
    }
}
