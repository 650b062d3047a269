using System.Security.Cryptography.X509Certificates;
using Kcp.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Reads the <c>Kcp</c> section: <c>Kcp:Defaults</c> onto the transport defaults and each <c>Kcp:Endpoints:&lt;name&gt;</c>
/// into an endpoint. Every problem is collected, not thrown, each naming the key as the user wrote it.
/// </summary>
internal static class KcpConfigurationReader
{
    public const string UrlKey = "Url";
    public const string ProtocolsKey = "Protocols";
    public const string CertificateKey = "Certificate";

    /// <summary>The keys of an endpoint section that are not KCP settings.</summary>
    private static readonly HashSet<string> EndpointKeys = new([UrlKey, ProtocolsKey, CertificateKey], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> NoKeys = new(StringComparer.OrdinalIgnoreCase);

    private static readonly HttpProtocols[] KcpProtocols = [HttpProtocols.Http1, HttpProtocols.Http2, HttpProtocols.Http1AndHttp2];

    /// <summary>The <c>Kcp</c> section as the user spelled it (paths in messages then keep the user's case), or null.</summary>
    public static IConfigurationSection? FindSection(IConfiguration configuration)
        => configuration.GetChildren().FirstOrDefault(c => string.Equals(c.Key, KcpTransportOptions.SectionName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Checks that <c>Kcp</c> has only <c>Defaults</c> and <c>Endpoints</c>.</summary>
    public static void CheckTopLevel(IConfigurationSection kcp, List<string> errors)
    {
        foreach (IConfigurationSection child in kcp.GetChildren())
        {
            if (!string.Equals(child.Key, KcpTransportOptions.DefaultsKey, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(child.Key, KcpTransportOptions.EndpointsKey, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path} is not a setting of the KCP transport: KCP settings go under {kcp.Path}:{KcpTransportOptions.DefaultsKey} " +
                    $"(every endpoint, e.g. {kcp.Path}:{KcpTransportOptions.DefaultsKey}:{child.Key}) or {kcp.Path}:{KcpTransportOptions.EndpointsKey}:<name> (one endpoint).");
            }
        }
    }

    /// <summary>Binds <c>Kcp:Defaults</c> (Preset first) onto <paramref name="defaults"/>.</summary>
    public static void ReadDefaults(IConfigurationSection defaultsSection, KcpOptions defaults, List<string> errors)
        => KcpOptionsBinder.Bind(defaultsSection, defaults, NoKeys, errors);

    /// <summary>
    /// The validation errors of the transport defaults: a setting found under <c>Kcp:Defaults</c> is named by its
    /// path, any other (changed in code, <c>UseKcp(o =&gt; o.Defaults...)</c>) as <c>KcpTransportOptions.Defaults.Name</c>.
    /// </summary>
    public static IEnumerable<string> ValidateDefaults(KcpOptions defaults, IConfigurationSection? defaultsSection)
        => defaults.GetValidationErrors().Select(message => KcpOptionsBinder.Translate(message, name =>
            (defaultsSection is null ? null : KcpOptionsBinder.Find(defaultsSection, name)?.Path)
            ?? "KcpTransportOptions.Defaults." + name.Replace(':', '.')));

    /// <summary>
    /// Reads one endpoint section; null (with errors) when it cannot be bound. A client (<paramref name="server"/>
    /// false) needs no certificate, so the <c>Certificate</c> section is not loaded then.
    /// </summary>
    public static KcpConfiguredEndpoint? ReadEndpoint(
        IConfigurationSection section, KcpOptions defaults, IConfigurationSection? defaultsSection, string? contentRoot, List<string> errors, bool server = true)
    {
        int before = errors.Count;
        IConfigurationSection? urlSection = KcpOptionsBinder.Child(section, UrlKey);
        if (!KcpEndpointUrl.TryParse(urlSection?.Value, out KcpEndpointUrl? url, out string? problem))
        {
            errors.Add($"{urlSection?.Path ?? section.Path + ":" + UrlKey} {problem}");
        }

        HttpProtocols? protocols = null;
        if (KcpOptionsBinder.Child(section, ProtocolsKey) is { } protocolsSection)
        {
            if (Enum.TryParse(protocolsSection.Value, ignoreCase: true, out HttpProtocols value) && KcpProtocols.Contains(value) && !int.TryParse(protocolsSection.Value, out _))
            {
                protocols = value;
            }
            else
            {
                errors.Add($"{protocolsSection.Path} '{protocolsSection.Value}' must be one of: {string.Join(", ", KcpProtocols)} (HTTP/3 runs on QUIC, not KCP).");
            }
        }

        X509Certificate2? certificate = server && KcpOptionsBinder.Child(section, CertificateKey) is { } certificateSection
            ? KcpCertificateLoader.Load(certificateSection, contentRoot, errors)
            : null;

        KcpOptions options = defaults.Clone();
        KcpOptionsBinder.Bind(section, options, EndpointKeys, errors);
        if (!server)
        {
            // A listener's setting: the dialer's socket never shares its port (KcpClient clears it too).
            options.ReusePort = false;
        }
        if (errors.Count == before)
        {
            // An error that the defaults already have is reported once, for Kcp:Defaults, unless this endpoint sets one of its keys.
            HashSet<string> inherited = [.. defaults.GetValidationErrors()];
            foreach (string message in options.GetValidationErrors())
            {
                if (inherited.Contains(message) && !KcpOptionsBinder.NamesIn(message).Any(name => KcpOptionsBinder.Find(section, name) is not null))
                {
                    continue;
                }

                errors.Add(KcpOptionsBinder.Translate(message, name =>
                    KcpOptionsBinder.Find(section, name)?.Path
                    ?? (defaultsSection is null ? null : KcpOptionsBinder.Find(defaultsSection, name)?.Path)
                    ?? section.Path + ":" + name));
            }
        }

        return errors.Count == before && url is not null
            ? new KcpConfiguredEndpoint(section.Key, section.Path, url, protocols, certificate, options)
            : null;
    }
}
