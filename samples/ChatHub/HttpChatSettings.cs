using System.Net;

namespace ChatHubSample;

/// <summary>The "Http" configuration section: the TCP endpoint serving the page, the stats API and the WebSocket hub.</summary>
internal sealed class HttpChatSettings
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Http";

    /// <summary>The address the HTTP endpoint binds.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 5080;

    /// <summary>Reads the section, falling back to the defaults above for anything missing.</summary>
    public static HttpChatSettings From(IConfiguration configuration)
        => configuration.GetSection(SectionName).Get<HttpChatSettings>() ?? new HttpChatSettings();

    /// <summary>The bind address as an <see cref="IPAddress"/>.</summary>
    public IPAddress IPAddress => IPAddress.Parse(Address);
}
