using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Reads the <c>Kcp</c> configuration section in two steps: <c>Kcp:Defaults</c> onto
/// <see cref="KcpTransportOptions.Defaults"/> first (so <c>UseKcp(o =&gt; ...)</c> can change them), then, after every
/// configuration callback, each <c>Kcp:Endpoints:&lt;name&gt;</c> from the final defaults. The problems found are
/// kept for <see cref="KcpTransportOptionsValidator"/>.
/// </summary>
internal sealed class KcpTransportOptionsSetup(IConfiguration? configuration = null, IHostEnvironment? environment = null)
    : IConfigureOptions<KcpTransportOptions>, IPostConfigureOptions<KcpTransportOptions>
{
    private IConfigurationSection? Section => configuration is null ? null : KcpConfigurationReader.FindSection(configuration);

    public void Configure(KcpTransportOptions options)
    {
        if (Section is not { } kcp)
        {
            return;
        }

        KcpConfigurationReader.CheckTopLevel(kcp, options.ConfigurationErrors);
        if (KcpOptionsBinder.Child(kcp, KcpTransportOptions.DefaultsKey) is { } defaults)
        {
            KcpConfigurationReader.ReadDefaults(defaults, options.Defaults, options.ConfigurationErrors);
        }
    }

    public void PostConfigure(string? name, KcpTransportOptions options)
    {
        IConfigurationSection? kcp = Section;
        IConfigurationSection? defaults = kcp is null ? null : KcpOptionsBinder.Child(kcp, KcpTransportOptions.DefaultsKey);
        options.ConfigurationErrors.AddRange(KcpConfigurationReader.ValidateDefaults(options.Defaults, defaults));
        if (kcp is not null && KcpOptionsBinder.Child(kcp, KcpTransportOptions.EndpointsKey) is { } endpoints)
        {
            foreach (IConfigurationSection endpoint in endpoints.GetChildren())
            {
                if (KcpConfigurationReader.ReadEndpoint(endpoint, options.Defaults, defaults, environment?.ContentRootPath, options.ConfigurationErrors) is { } read)
                {
                    options.ConfiguredEndpoints.Add(read);
                }
            }
        }

        foreach (string endpointName in options.EndpointCallbacks.Keys)
        {
            if (!options.ConfiguredEndpoints.Any(e => string.Equals(e.Name, endpointName, StringComparison.OrdinalIgnoreCase))
                && !options.ConfigurationErrors.Any(e => e.StartsWith($"{KcpTransportOptions.SectionName}:{KcpTransportOptions.EndpointsKey}:{endpointName}:", StringComparison.OrdinalIgnoreCase)))
            {
                options.ConfigurationErrors.Add(
                    $"UseKcp configures the endpoint '{endpointName}', but the configuration has no {KcpTransportOptions.SectionName}:{KcpTransportOptions.EndpointsKey}:{endpointName} " +
                    $"(add its Url, e.g. {KcpTransportOptions.SectionName}:{KcpTransportOptions.EndpointsKey}:{endpointName}:Url = kcp://127.0.0.1:6000).");
            }
        }
    }
}
