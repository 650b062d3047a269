using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// What the harness test checks: the RTT as TCP sees it (median connect time: SYN to SYN-ACK), as KCP sees it (median
/// of sequential small requests on one session), and that a --bytes download arrives whole over both.
/// </summary>
internal static class ProbeWorkload
{
    public static async Task<ProbeResult> RunAsync(ClientOptions options)
    {
        var connects = new LatencySamples();
        for (int i = 0; i < 15; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            long start = Stopwatch.GetTimestamp();
            await socket.ConnectAsync(new IPEndPoint(options.Server, KcpConfig.TcpPort));
            connects.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var kcpRequests = new LatencySamples();
        ClientOptions kcp = options with { Config = "fast3" };
        using (HttpClient client = kcp.CreateHttpClient())
        {
            await client.GetStringAsync("ping");
            for (int i = 0; i < 15; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await client.GetStringAsync("ping");
                kcpRequests.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        WorkloadResult tcpDownload = await DownloadWorkload.RunAsync(options with { Config = "tcp" });
        WorkloadResult kcpDownload = await DownloadWorkload.RunAsync(kcp);
        return new ProbeResult(connects.Summary().P50, kcpRequests.Summary().P50, tcpDownload.PayloadBytes, kcpDownload.PayloadBytes);
    }
}

/// <summary>The probe's figures: median RTTs in ms and the bytes each download delivered.</summary>
internal sealed record ProbeResult(double TcpConnectMs, double KcpRequestMs, long TcpBytes, long KcpBytes);
