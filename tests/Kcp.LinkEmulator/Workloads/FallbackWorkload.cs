using System.Diagnostics;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.SignalR.Client;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// --clients hub connections, one after the other, each with <c>WithKcp(endPoint, fallbackUrl)</c>: KCP to the hub's
/// KCP port of --config raced against WebSockets to the hub on TCP 8080. Each connection has a KCP factory of its own
/// (no remembered fallback), so every one is a race. Reports which transport won each time and how long the first
/// message took (StartAsync to the hub's echo): on a link that carries UDP, fallbacks are spurious. With
/// <c>--fallback false</c> the same connections use KCP alone, for comparison.
/// </summary>
internal static class FallbackWorkload
{
    public static async Task<FallbackResult> RunAsync(ClientOptions options)
    {
        KcpConfig config = KcpConfig.Parse(options.Config);
        var kcp = new KcpOptions();
        config.Configure(kcp);
        var endPoint = new KcpEndPoint(config.HubEndPoint(options.Server), kcp);
        var fallbackUrl = new Uri($"http://{options.Server}:{KcpConfig.TcpPort}/hub");
        var firstMessage = new LatencySamples();
        var decisions = new LatencySamples();
        var transports = new List<string>();
        for (int i = 0; i < options.Clients; i++)
        {
            IKcpTransportSelectionFeature? selection = null;
            var echoed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            IHubConnectionBuilder builder = options.Fallback
                ? new HubConnectionBuilder().WithKcp(endPoint, fallbackUrl, o => o.OnTransportSelected = s => selection = s)
                : new HubConnectionBuilder().WithKcp(endPoint);
            await using HubConnection hub = builder.Build();
            hub.On<long, long, string>("Echo", (_, _, _) => echoed.TrySetResult());
            long start = Stopwatch.GetTimestamp();
            await hub.StartAsync();
            await hub.SendAsync("Send", Stopwatch.GetTimestamp(), "first");
            await echoed.Task.WaitAsync(TimeSpan.FromSeconds(options.TimeoutSeconds));
            firstMessage.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (selection is not null)
            {
                decisions.Add(selection.DecisionTime.TotalMilliseconds);
            }

            transports.Add(selection?.Transport ?? "kcp");
            await hub.StopAsync();
        }

        int fallbacks = transports.Count(t => t != "kcp");
        var (p50, p99, _, max) = firstMessage.Summary();
        return new FallbackResult(
            transports.Count, transports.Count - fallbacks, fallbacks, string.Join(",", transports.Where(t => t != "kcp").Distinct()),
            p50, p99, max, decisions.Summary().P50, decisions.Summary().Max);
    }
}

/// <summary>What the fallback workload reports: counts by transport and times in ms.</summary>
internal sealed record FallbackResult(
    int Connects, int Kcp, int Fallbacks, string FallbackTransports, double FirstMessageP50, double FirstMessageP99, double FirstMessageMax, double DecisionP50, double DecisionMax);
