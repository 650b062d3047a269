using System.Net;
using System.Security.Cryptography;

namespace Kcp.Smux.Tests;

/// <summary>The real peers these tests run and the small helpers around them.</summary>
internal static class Peers
{
    public const string Key = "smux interop key";

    public const string KcptunHint = "install Debian's kcptun (apt-get install kcptun); tests/run does this.";

    public const string CurlHint = "install curl (apt-get install curl); tests/run does this.";

    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    /// <summary>artifacts/smuxpeer/smux-peer under the folder holding the solution (tests/SmuxPeer/build.sh builds it).</summary>
    public static string SmuxPeerBinary()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kcp.AspNetCore.sln")))
            {
                return Path.Combine(dir.FullName, "artifacts", "smuxpeer", "smux-peer");
            }
        }

        throw new InvalidOperationException("No Kcp.AspNetCore.sln above " + AppContext.BaseDirectory);
    }

    public const string SmuxPeerHint = "build it with tests/SmuxPeer/build.sh (needs golang-go, golang-github-xtaci-smux-dev, golang-github-xtaci-kcp-dev, golang-github-golang-snappy-dev); tests/run does this.";

    /// <summary>kcptun's own defaults that matter on the wire (aes, FEC 10/3, MTU 1350, fast), with our key.</summary>
    public static IEnumerable<string> KcptunFlags(int smuxVersion, bool compress) =>
    [
        "-key", Key, "-crypt", "aes", "-mode", "fast", "-mtu", "1350", "-ds", "10", "-ps", "3",
        "-smuxver", smuxVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), .. compress ? Array.Empty<string>() : ["-nocomp"],
    ];

    /// <summary>Deterministic test data.</summary>
    public static byte[] Data(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Starts kcptun-client on a free local TCP port towards <paramref name="kcp"/> and waits until it listens.</summary>
    public static async Task<(PeerProcess Client, int Port)> StartKcptunClientAsync(IPEndPoint kcp, int smuxVersion, bool compress)
    {
        int port = FreeTcpPort();
        PeerProcess client = PeerProcess.Start("kcptun-client",
            ["-l", $"127.0.0.1:{port}", "-r", kcp.ToString(), .. KcptunFlags(smuxVersion, compress)], KcptunHint);
        try
        {
            await client.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), Wait);
            return (client, port);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }
}
