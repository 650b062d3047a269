using Kcp.Transport;

namespace Kcp.AspNetCore;

/// <summary>
/// Transport-wide settings of the Kestrel KCP transport. Bound from the configuration section
/// <see cref="SectionName"/>: its keys are the <see cref="KcpOptions"/> property names (for example <c>Kcp:Mtu</c>,
/// <c>Kcp:Crypt</c>) plus <c>Kcp:Preset</c> (Normal, Fast, Fast2, Fast3), applied before the other keys.
/// </summary>
public sealed class KcpTransportOptions
{
    /// <summary>The configuration section the transport reads.</summary>
    public const string SectionName = "Kcp";

    /// <summary>The settings of every KCP endpoint that does not bring its own; per-endpoint settings start as a copy of these.</summary>
    public KcpOptions Defaults { get; } = new();

    /// <summary>Problems found while binding configuration, reported by validation with the other errors.</summary>
    internal List<string> ConfigurationErrors { get; } = [];
}
