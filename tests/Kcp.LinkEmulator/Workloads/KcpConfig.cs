using System.Net;
using Kcp.Transport;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// A transport setting under test, by name: "tcp", or a kcptun preset ("normal", "fast", "fast2", "fast3") with
/// "+fec" for FEC 10/3. The server listens on one KCP port per setting: HTTP at 7000 + index, the hub at 7100 + index.
/// </summary>
internal sealed record KcpConfig(string Name, KcpPreset Preset, bool Fec)
{
    public const int TcpPort = 8080;
    public const int HttpBasePort = 7000;
    public const int HubBasePort = 7100;

    /// <summary>Every KCP setting the server serves.</summary>
    public static IReadOnlyList<KcpConfig> All { get; } =
        [.. Enum.GetValues<KcpPreset>().SelectMany(p => new[] { false, true }.Select(fec => Create(p, fec)))];

    public int Index => ((int)Preset * 2) + (Fec ? 1 : 0);

    public static bool IsTcp(string name) => name == "tcp";

    public static KcpConfig Parse(string name) => All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"Unknown transport setting '{name}': tcp, or one of {string.Join(", ", All.Select(c => c.Name))}.");

    public IPEndPoint HttpEndPoint(IPAddress server) => new(server, HttpBasePort + Index);

    public IPEndPoint HubEndPoint(IPAddress server) => new(server, HubBasePort + Index);

    /// <summary>
    /// Both ends use the same options. No crypto (TCP runs without TLS too). Windows of 1,024 segments, kcptun's
    /// default, so a 200 ms link is not limited by the window (128 × 1,350 B per RTT is 0.9 MB/s).
    /// </summary>
    public void Configure(KcpOptions options)
    {
        options.ApplyPreset(Preset);
        options.Crypt = "null";
        options.SendWindow = 1024;
        options.ReceiveWindow = 1024;
        options.DataShards = Fec ? 10 : 0;
        options.ParityShards = Fec ? 3 : 0;
    }

    private static KcpConfig Create(KcpPreset preset, bool fec) =>
        new(preset.ToString().ToLowerInvariant() + (fec ? "+fec" : string.Empty), preset, fec);
}
