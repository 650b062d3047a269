using System.Net;
using Kcp.Transport;

namespace ChatHubSample;

/// <summary>The "Kcp" configuration section: where the KCP hub endpoint listens and how its packets are shaped.</summary>
internal sealed class KcpChatSettings
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Kcp";

    /// <summary>The address the endpoint binds (the client's default server address too).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>UDP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 5000;

    /// <summary>kcptun mode preset for the ARQ timers.</summary>
    public KcpPreset Preset { get; set; } = KcpPreset.Fast2;

    /// <summary>Packet cipher name (kcp-go's names); "null" disables crypto.</summary>
    public string Crypt { get; set; } = "aes";

    /// <summary>Pre-shared passphrase for the cipher.</summary>
    public string? Key { get; set; }

    /// <summary>Reed-Solomon data shards (0 disables FEC).</summary>
    public int DataShards { get; set; } = 10;

    /// <summary>Reed-Solomon parity shards (0 disables FEC).</summary>
    public int ParityShards { get; set; } = 3;

    /// <summary>Reads the section, falling back to the defaults above for anything missing.</summary>
    public static KcpChatSettings From(IConfiguration configuration)
        => configuration.GetSection(SectionName).Get<KcpChatSettings>() ?? new KcpChatSettings();

    /// <summary>The bind address as an <see cref="IPAddress"/>.</summary>
    public IPAddress IPAddress => IPAddress.Parse(Address);

    /// <summary>Copies the settings into transport options; server and client must agree on all of them.</summary>
    public void Apply(KcpOptions options)
    {
        options.ApplyPreset(Preset);
        options.Crypt = Crypt;
        options.Key = Key;
        options.DataShards = DataShards;
        options.ParityShards = ParityShards;
    }
}
