using Kcp.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Binds the "Kcp" configuration section onto <see cref="KcpTransportOptions.Defaults"/>. "Preset" is applied first so
/// that explicit keys (Interval, NoDelay...) override the preset's values.
/// </summary>
internal sealed class KcpTransportOptionsSetup(IConfiguration? configuration = null) : IConfigureOptions<KcpTransportOptions>
{
    public void Configure(KcpTransportOptions options)
    {
        if (configuration is null)
        {
            return;
        }

        IConfigurationSection section = configuration.GetSection(KcpTransportOptions.SectionName);
        string? preset = section["Preset"];
        if (!string.IsNullOrEmpty(preset))
        {
            if (Enum.TryParse(preset, ignoreCase: true, out KcpPreset value) && Enum.IsDefined(value))
            {
                options.Defaults.ApplyPreset(value);
            }
            else
            {
                options.ConfigurationErrors.Add(
                    $"{section.Path}:Preset '{preset}' is not one of: {string.Join(", ", Enum.GetNames<KcpPreset>())}.");
            }
        }

        section.Bind(options.Defaults);
    }
}
