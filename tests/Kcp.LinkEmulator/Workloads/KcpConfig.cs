using System.Net;
using Kcp.Transport;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// A transport setting under test, by name: "tcp", or a kcptun preset ("normal", "fast", "fast2", "fast3") with
/// "+fec" for FEC 10/3 (kcptun's default) or "+fec2.1" for FEC 2/1, and "+copy1" or "+copy2" for
/// <see cref="KcpOptions.RedundantCopies"/> 1 or 2, "+cc" for KCP's congestion window on (fast3 only; every preset
/// turns it off). The server listens on one KCP port per setting: HTTP at 7000 + index, the hub at 7100 + index,
/// gRPC (h2c) at 7200 + index, the datagrams workloads' handler at 7300 + index.
/// </summary>
/// <remarks>
/// FEC 2/1 is here because a parity shard leaves only once its group is full: at 20 messages a second a 10-shard
/// group takes longer to fill than a retransmission takes, and a 2-shard group does not.
/// </remarks>
internal sealed record KcpConfig(
    string Name, KcpPreset Preset, int DataShards, int ParityShards, int RedundantCopies = 0, bool CongestionControl = false)
{
    public const int TcpPort = 8080;
    public const int HttpBasePort = 7000;
    public const int HubBasePort = 7100;
    public const int GrpcBasePort = 7200;
    public const int TcpGrpcPort = 8081;
    public const int PositionBasePort = 7300;

    /// <summary>Every KCP setting the server serves.</summary>
    public static IReadOnlyList<KcpConfig> All { get; } =
    [
        .. Enum.GetValues<KcpPreset>().SelectMany(p => Fecs.Select((fec, i) => Create(p, fec.Suffix, fec.Data, fec.Parity, i))),
        new("fast3+copy1", KcpPreset.Fast3, 0, 0, RedundantCopies: 1) { Index = 12 },
        new("fast3+copy2", KcpPreset.Fast3, 0, 0, RedundantCopies: 2) { Index = 13 },
        new("fast3+fec+copy1", KcpPreset.Fast3, 10, 3, RedundantCopies: 1) { Index = 14 },
        new("fast3+fec+copy2", KcpPreset.Fast3, 10, 3, RedundantCopies: 2) { Index = 15 },
        new("fast3+cc", KcpPreset.Fast3, 0, 0, CongestionControl: true) { Index = 16 },
    ];

    private static (string Suffix, int Data, int Parity)[] Fecs => [("", 0, 0), ("+fec", 10, 3), ("+fec2.1", 2, 1)];

    public int Index { get; private init; }

    public static bool IsTcp(string name) => name == "tcp";

    public static KcpConfig Parse(string name) => All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"Unknown transport setting '{name}': tcp, or one of {string.Join(", ", All.Select(c => c.Name))}.");

    public IPEndPoint HttpEndPoint(IPAddress server) => new(server, HttpBasePort + Index);

    public IPEndPoint HubEndPoint(IPAddress server) => new(server, HubBasePort + Index);

    /// <summary>gRPC needs HTTP/2, which without TLS is h2c: an endpoint of its own (Protocols = Http2).</summary>
    public IPEndPoint GrpcEndPoint(IPAddress server) => new(server, GrpcBasePort + Index);

    /// <summary>The datagrams workloads' endpoint: a raw KCP connection handler (<see cref="PositionServer"/>).</summary>
    public IPEndPoint PositionEndPoint(IPAddress server) => new(server, PositionBasePort + Index);

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
        options.DataShards = DataShards;
        options.ParityShards = ParityShards;
        options.RedundantCopies = RedundantCopies;
        if (CongestionControl)
        {
            options.NoCongestionWindow = false;
        }
    }

    private static KcpConfig Create(KcpPreset preset, string suffix, int data, int parity, int fecIndex) =>
        new(preset.ToString().ToLowerInvariant() + suffix, preset, data, parity) { Index = ((int)preset * 3) + fecIndex };
}
