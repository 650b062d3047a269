using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ChatHub.Tests.Dashboard;

/// <summary>
/// docs/grafana/kcp-transport.json against a real Prometheus scraping the ChatHub sample's /metrics every second:
/// after KCP traffic through the sample (chatting connections, sessions opening and closing, one datagram that fails
/// its checksum), every panel's queries run through Prometheus's HTTP API with the dashboard's variables as Grafana
/// substitutes them (All for instance, role and port; a rate window of several scrapes), every query is valid PromQL,
/// every panel shows data, and so does every query except those of the counters listed with the reason they may not.
/// </summary>
public sealed partial class PrometheusDashboardTests(ChatServerFactory server, ITestOutputHelper output) : IClassFixture<ChatServerFactory>
{
    // Grafana's $__rate_interval is at least four scrape intervals; 10 s of 1 s scrapes.
    private const string RateInterval = "10s";

    /// <summary>
    /// Counters that may have no series after this traffic, and why: they are reported from their first non-zero value
    /// on (README, "Metrics"), and loopback loses nothing. A query may return nothing only if every metric it reads is here.
    /// </summary>
    private static readonly Dictionary<string, string> MayBeEmpty = new(StringComparer.Ordinal)
    {
        ["kcp_fec_recovered_total"] = "FEC rebuilds packets only after a loss",
        ["kcp_fec_errors_total"] = "FEC groups fail to decode only when shards are corrupt or missing",
        ["kcp_fec_short_shards_total"] = "FEC groups are given up incomplete only after a loss",
        ["kcp_udp_errors_total"] = "only socket receive errors and bad FEC headers count",
        ["kcp_segments_input_errors_total"] = "only malformed KCP segments inside valid datagrams count",
        ["kcp_sessions_reset_total"] = "resets go only to peers of conversations the listener does not know",
    };

    [Fact]
    public async Task EveryPanelQuery_OnARealPrometheusAfterTraffic_IsValidAndShowsData()
    {
        // Arrange: Prometheus scraping the sample, and traffic that keeps going while the panels are evaluated.
        server.StartServer();
        Uri web = server.ClientOptions.BaseAddress;
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync($"{web.Host}:{web.Port}");
        using var stop = new CancellationTokenSource();
        Task traffic = Task.Run(() => ChatAsync(new Uri(web, ChatHubSample.ChatHub.Path), stop.Token));
        SendGarbageToTheKcpEndpoint();
        (string Title, string[] Queries)[] panels = [.. Panels()];

        // Act: evaluate every query until each that must shows data (the first scrapes and rate windows need a few seconds).
        var results = new Dictionary<string, int[]>(StringComparer.Ordinal);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            foreach ((string title, string[] queries) in panels)
            {
                results[title] = [.. await Task.WhenAll(queries.Select(async q => (await prometheus.QueryAsync(Substitute(q))).Length))];
            }

            if (Missing(panels, results).Length == 0 || deadline.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(1000, CancellationToken.None);
        }

        Dictionary<string, string[]> variables = await VariableValuesAsync(prometheus);
        await stop.CancelAsync();
        await traffic.WithTimeout();

        // Assert
        var report = new StringBuilder();
        foreach ((string title, string[] queries) in panels)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"{title}: series per query {string.Join(", ", results[title])}");
            foreach (string query in queries.Where(MayBeEmptyQuery))
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"    may be empty: {string.Join("; ", KcpMetric().Matches(query).Select(m => $"{m.Value} ({MayBeEmpty[m.Value]})").Distinct())}");
            }
        }

        foreach ((string name, string[] values) in variables)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"${name}: {string.Join(", ", values)}");
        }

        output.WriteLine(report.ToString());
        string[] missing = Missing(panels, results);
        Assert.True(missing.Length == 0, $"Without data after traffic: {string.Join("; ", missing)}\n{report}\nprometheus:\n{prometheus.Output}");
        Assert.True(panels.Length > 15, $"Too few panels read from the dashboard ({panels.Length}).");
        Assert.All(variables, v => Assert.NotEmpty(v.Value));
        Assert.Contains("listener", variables["role"]);
        Assert.Contains(server.KcpEndPoint.Port.ToString(CultureInfo.InvariantCulture), variables["port"]);
    }

    /// <summary>Panels without data, and queries without data that must have some.</summary>
    private static string[] Missing((string Title, string[] Queries)[] panels, Dictionary<string, int[]> results) =>
    [
        .. panels.Where(p => !results[p.Title].Any(n => n > 0)).Select(p => $"panel '{p.Title}'"),
        .. panels.SelectMany(p => p.Queries.Select((q, i) => (p.Title, Query: q, Series: results[p.Title][i])))
            .Where(q => q.Series == 0 && !MayBeEmptyQuery(q.Query))
            .Select(q => $"query `{q.Query}` of '{q.Title}'"),
    ];

    private static bool MayBeEmptyQuery(string query) => KcpMetric().Matches(query).All(m => MayBeEmpty.ContainsKey(m.Value));

    /// <summary>Grafana's substitution with the variables at All (their allValue, <c>.*</c>) and the rate window.</summary>
    private static string Substitute(string query) => query
        .Replace("$__rate_interval", RateInterval, StringComparison.Ordinal)
        .Replace("$instance", ".*", StringComparison.Ordinal)
        .Replace("$role", ".*", StringComparison.Ordinal)
        .Replace("$port", ".*", StringComparison.Ordinal);

    /// <summary>Every panel but rows, with its queries.</summary>
    private static IEnumerable<(string Title, string[] Queries)> Panels()
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath()));
        foreach (JsonElement panel in dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("panels", out JsonElement nested) ? [p, .. nested.EnumerateArray()] : new[] { p }))
        {
            if (panel.GetProperty("type").GetString() != "row")
            {
                yield return (panel.GetProperty("title").GetString()!, [.. panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!)]);
            }
        }
    }

    /// <summary>The values of each query variable, as Grafana's <c>label_values(selector, label)</c> lists them.</summary>
    private static async Task<Dictionary<string, string[]>> VariableValuesAsync(PrometheusServer prometheus)
    {
        using JsonDocument dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath()));
        var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (JsonElement variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() != "query")
            {
                continue;
            }

            Match call = LabelValues().Match(variable.GetProperty("definition").GetString()!);
            Assert.True(call.Success, $"Variable {variable.GetProperty("name")}: not a label_values(selector, label) query.");
            IReadOnlyList<Dictionary<string, string>> series = await prometheus.SeriesAsync(Substitute(call.Groups["selector"].Value));
            values[variable.GetProperty("name").GetString()!] = [.. series.Select(s => s.GetValueOrDefault(call.Groups["label"].Value)).OfType<string>().Distinct().Order(StringComparer.Ordinal)];
        }

        return values;
    }

    /// <summary>
    /// Chat traffic until stopped: two connections that stay (RTT samples every second) and send every 100 ms, and a
    /// connection opened, used and closed every 300 ms (sessions opened and closed). The short ones race KCP against
    /// the hub's URL (<c>kcp.client.connections</c>), over loopback: KCP wins.
    /// </summary>
    private async Task ChatAsync(Uri hubUrl, CancellationToken stop)
    {
        await using HubConnection alice = server.CreateKcpConnection();
        await using HubConnection bob = server.CreateKcpConnection();
        await alice.StartAsync(stop);
        await bob.StartAsync(stop);
        try
        {
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                await alice.InvokeAsync("Send", "alice", $"message {n}", stop);
                await bob.InvokeAsync("Send", "bob", $"message {n}", stop);
                if (n % 3 == 0)
                {
                    await using HubConnection passer = new HubConnectionBuilder().WithKcp(server.ClientEndPoint, hubUrl).Build();
                    await passer.StartAsync(stop);
                    await passer.InvokeAsync("Send", "passer", $"passing {n}", stop);
                }

                await Task.Delay(100, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Done.
        }
    }

    private void SendGarbageToTheKcpEndpoint()
    {
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.SendTo(new byte[64], server.KcpEndPoint);   // a full-size aes datagram whose CRC cannot match
    }

    private static string DashboardPath()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kcp.AspNetCore.sln")))
            {
                return Path.Combine(directory.FullName, "docs", "grafana", "kcp-transport.json");
            }
        }

        throw new InvalidOperationException($"No Kcp.AspNetCore.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\bkcp_[a-z0-9_]+_(total|bucket|count|sum)\b|\bkcp_sessions_(active|peak)\b")]
    private static partial Regex KcpMetric();

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>[a-z_]+)\)$")]
    private static partial Regex LabelValues();
}
