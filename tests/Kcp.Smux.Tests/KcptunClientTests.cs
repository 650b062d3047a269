using System.Diagnostics;

namespace Kcp.Smux.Tests;

/// <summary>
/// curl → Debian's kcptun-client (20210922, smux v1, snappy on and off) → KCP → our Kestrel KCP+smux endpoint, with no
/// kcptun-server in between. Every peer is a real process, bounded in time and stopped by the test.
/// </summary>
public sealed class KcptunClientTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Curl_ReachesTheMinimalApi_ThroughKcptunClient(bool compress)
    {
        await using SmuxServer server = await SmuxServer.StartAsync(smuxVersion: 1, compress);
        (PeerProcess kcptun, int port) = await Peers.StartKcptunClientAsync(server.EndPoint, 1, compress);
        await using (kcptun)
        {
            string body = await CurlAsync($"http://127.0.0.1:{port}/hello");
            Assert.Equal("hello over smux", body);
        }
    }

    [Fact]
    public async Task Curl_FiftyConcurrentStreams_OverOneKcpSession()
    {
        await using SmuxServer server = await SmuxServer.StartAsync(smuxVersion: 1, compress: true);
        (PeerProcess kcptun, int port) = await Peers.StartKcptunClientAsync(server.EndPoint, 1, compress: true);
        await using (kcptun)
        {
            // curl -Z opens one TCP connection per transfer (up to 50 at once): kcptun-client makes each an smux stream.
            var args = new List<string> { "-sS", "--no-progress-meter", "-Z", "--parallel-max", "50", "--parallel-immediate", "-H", "Connection: close" };
            for (int i = 0; i < 50; i++)
            {
                args.Add($"http://127.0.0.1:{port}/id/{i}");
            }

            string output = await CurlAsync(args);
            string[][] lines = System.Text.RegularExpressions.Regex.Matches(output, @"(\d+) stream (\d+) conv (\d+);")
                .Select(m => new[] { m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value })
                .ToArray();
            Assert.True(lines.Length == 50, output);
            Assert.Equal(Enumerable.Range(0, 50).ToHashSet(), lines.Select(l => int.Parse(l[0])).ToHashSet());
            Assert.Equal(50, lines.Select(l => l[1]).Distinct().Count());
            Assert.All(lines, l => Assert.Equal(1u, uint.Parse(l[1]) % 2));
            Assert.Single(lines.Select(l => l[2]).Distinct());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Curl_EightMebibytes_UpAndDown_ArriveIntact(bool compress)
    {
        const int Size = 8 * 1024 * 1024;
        await using SmuxServer server = await SmuxServer.StartAsync(smuxVersion: 1, compress);
        (PeerProcess kcptun, int port) = await Peers.StartKcptunClientAsync(server.EndPoint, 1, compress);
        await using (kcptun)
        {
            string upload = Path.GetTempFileName();
            string download = Path.GetTempFileName();
            try
            {
                byte[] data = Peers.Data(Size, seed: 42);
                await File.WriteAllBytesAsync(upload, data);
                var clock = Stopwatch.StartNew();
                string answer = await CurlAsync(["-sS", "--data-binary", "@" + upload, "-H", "Content-Type: application/octet-stream", $"http://127.0.0.1:{port}/sha256"]);
                TimeSpan up = clock.Elapsed;
                Assert.Equal($"{Size} {Peers.Sha256(data)}", answer);

                clock.Restart();
                await CurlAsync(["-sS", "-o", download, $"http://127.0.0.1:{port}/download/{Size}"]);
                TimeSpan down = clock.Elapsed;
                byte[] received = await File.ReadAllBytesAsync(download);
                Assert.Equal(Peers.Sha256(Peers.Data(Size, seed: Size)), Peers.Sha256(received));
                Console.WriteLine($"kcptun-client compress={compress}: 8 MiB up in {up.TotalSeconds:0.00} s, down in {down.TotalSeconds:0.00} s");
            }
            finally
            {
                File.Delete(upload);
                File.Delete(download);
            }
        }
    }

    [Fact]
    public async Task Curl_GivingUp_CancelsItsStream_AndTheSessionServesOn()
    {
        await using SmuxServer server = await SmuxServer.StartAsync(smuxVersion: 1, compress: true);
        (PeerProcess kcptun, int port) = await Peers.StartKcptunClientAsync(server.EndPoint, 1, compress: true);
        await using (kcptun)
        {
            // curl stops after 2 s: kcptun-client closes the TCP connection and its stream (FIN); the request is aborted.
            await using PeerProcess curl = PeerProcess.Start("curl", ["-sS", "--max-time", "2", $"http://127.0.0.1:{port}/slow"], Peers.CurlHint, TimeSpan.FromSeconds(60));
            await curl.WaitForExitAsync(Peers.Wait);
            long sent = await server.SlowAborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.InRange(sent, 1, 100);
            Assert.Equal("hello over smux", await CurlAsync($"http://127.0.0.1:{port}/hello"));
        }
    }

    [Fact]
    public async Task KcptunClientKilled_TheSessionEnds_AndItsStreamsAreReset()
    {
        await using SmuxServer server = await SmuxServer.StartAsync(smuxVersion: 1, compress: true, keepAliveTimeout: TimeSpan.FromSeconds(3));
        (PeerProcess kcptun, int port) = await Peers.StartKcptunClientAsync(server.EndPoint, 1, compress: true);
        await using (kcptun)
        {
            await using PeerProcess curl = PeerProcess.Start("curl", ["-sS", $"http://127.0.0.1:{port}/slow"], Peers.CurlHint, TimeSpan.FromSeconds(90));
            await server.SlowStarted.Task.WaitAsync(Peers.Wait);
            kcptun.Kill();

            // Nothing arrives any more: the smux keep-alive timeout (3 s here) ends the session and resets the stream.
            var clock = Stopwatch.StartNew();
            long sent = await server.SlowAborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(sent > 0);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"reset after {clock.Elapsed}");

            // Kestrel disposes the reset connection, and with it the last reference to the KCP session.
            while (server.Factory.GetActiveSessions().Count > 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the connection of the lost session was not disposed");
                await Task.Delay(100);
            }
        }
    }

    [Theory]
    [InlineData(1, false, 1, true, "snappy_missing")]
    [InlineData(1, true, 1, false, "snappy_unexpected")]
    [InlineData(2, true, 1, true, "version_mismatch")]
    public async Task Mismatch_IsDiagnosedAtOnce_WithItsReason(int clientVersion, bool clientCompress, int serverVersion, bool serverCompress, string reason)
    {
        await using SmuxServer server = await SmuxServer.StartAsync(serverVersion, serverCompress);
        (PeerProcess kcptun, int port) = await Peers.StartKcptunClientAsync(server.EndPoint, clientVersion, clientCompress);
        await using (kcptun)
        {
            // curl gets nothing useful; the endpoint must name the cause at once, not hang until a timeout.
            var clock = Stopwatch.StartNew();
            await using PeerProcess curl = PeerProcess.Start("curl", ["-sS", "--max-time", "5", $"http://127.0.0.1:{port}/hello"], Peers.CurlHint, TimeSpan.FromSeconds(60));
            while (server.SmuxErrors(reason) == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"no {reason} counted. {curl.Describe()}");
                await Task.Delay(50);
            }

            Assert.NotEqual(0, await curl.WaitForExitAsync(Peers.Wait));
            Assert.Empty(server.Factory.GetActiveSessions());
        }
    }

    private static Task<string> CurlAsync(string url) => CurlAsync(["-sS", url]);

    private static async Task<string> CurlAsync(IEnumerable<string> args)
    {
        await using PeerProcess curl = PeerProcess.Start("curl", args, Peers.CurlHint, TimeSpan.FromSeconds(120));
        int exit = await curl.WaitForExitAsync(TimeSpan.FromSeconds(110));
        Assert.True(exit == 0, curl.Describe());
        await Task.Delay(50); // the last output line arrives after the exit event
        return curl.Output.TrimEnd('\n');
    }
}
