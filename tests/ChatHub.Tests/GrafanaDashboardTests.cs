using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatHub.Tests.Infrastructure;
using Kcp.Transport;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests;

/// <summary>
/// The sample's /metrics (OpenTelemetry's Prometheus exporter) and the Grafana dashboard built on it
/// (docs/grafana/kcp-transport.json): every metric and label the dashboard queries is one the exporter serves for the
/// Kcp.Transport meter, and the exporter lists the drop reasons that occurred, not every reason at zero.
/// </summary>
public sealed partial class GrafanaDashboardTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    // Labels Prometheus itself adds to every scraped series (the dashboard's instance filter).
    private static readonly string[] ScrapeLabels = ["instance", "job"];

    [Fact]
    public async Task Dashboard_EveryQueriedMetricAndLabel_IsServedByTheExporter()
    {
        // Arrange: KCP traffic from a client with a TCP fallback (kcp.client.connections), a closed session
        // (kcp.session.duration, kcp.close.reason) and one dropped datagram, then the real exporter's output and the
        // meter's instruments.
        server.StartServer();
        var hubUrl = new Uri(server.ClientOptions.BaseAddress, ChatHubSample.ChatHub.Path);
        await using (HubConnection alice = new HubConnectionBuilder().WithKcp(server.ClientEndPoint, hubUrl).Build())
        {
            var inbox = new ChatInbox(alice);
            await alice.StartAsync().WithTimeout();
            await alice.InvokeAsync("Send", "alice", "for the dashboard").WithTimeout();
            await inbox.WaitForMessageAsync("for the dashboard");
        }

        SendGarbageToTheKcpEndpoint();
        using HttpClient http = server.CreateClient();
        string metrics = await WaitForMetricsAsync(http, m => m.Contains("kcp_session_duration_seconds_count{", StringComparison.Ordinal)
            && m.Contains("kcp_drop_reason=\"checksum\"", StringComparison.Ordinal)
            && m.Contains("kcp_client_connections_total{", StringComparison.Ordinal));
        HashSet<string> fromMeter = PrometheusNamesOfTheKcpMeter();
        HashSet<string> exported = [.. ExportedMetricNames(metrics).Where(n => n.StartsWith("kcp_", StringComparison.Ordinal))];
        HashSet<string> labels = [.. LabelName().Matches(metrics).Select(m => m.Groups[1].Value), .. ScrapeLabels];

        // The naming rule below (dots to underscores, unit suffix, _total, histogram series) is the exporter's: it
        // reproduces every kcp_ name the exporter printed, so it also names the instruments that have no value yet.
        Assert.NotEmpty(exported);
        Assert.Subset(fromMeter, exported);

        // Act
        using JsonDocument dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath()));
        string[] queries = [.. Queries(dashboard.RootElement)];

        // Assert: a dashboard with queries, every kcp_ name in them is an instrument's metric or a label the exporter serves.
        JsonElement root = dashboard.RootElement;
        Assert.Equal("kcp-transport", root.GetProperty("uid").GetString());
        Assert.True(root.GetProperty("panels").GetArrayLength() > 0);
        Assert.NotEmpty(queries);
        string[] names = [.. queries.SelectMany(q => KcpName().Matches(q).Select(m => m.Value)).Distinct()];
        string[] unknown = [.. names.Where(n => !fromMeter.Contains(n) && !labels.Contains(n))];
        Assert.True(unknown.Length == 0, $"The dashboard queries names the exporter does not serve: {string.Join(", ", unknown)}");
        string[] otherLabels = [.. queries.SelectMany(q => LabelMatcher().Matches(q).Select(m => m.Groups[1].Value)).Distinct().Where(l => !labels.Contains(l))];
        Assert.True(otherLabels.Length == 0, $"The dashboard filters on labels the exporter does not serve: {string.Join(", ", otherLabels)}");

        // Panels for sessions, datagrams, drops by reason, retransmissions, FEC and the RTT histogram.
        HashSet<string> covered =
        [
            "kcp_sessions_active", "kcp_udp_datagrams_received_total", "kcp_datagrams_dropped_total", "kcp_drop_reason",
            "kcp_segments_retransmitted_total", "kcp_fec_recovered_total", "kcp_session_rtt_seconds_bucket",
            "kcp_client_connections_total", "kcp_transport",
        ];
        Assert.Subset(names.ToHashSet(), covered);
        Assert.All(Panels(root).Where(p => p.GetProperty("type").GetString() != "row"), panel =>
        {
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        });
    }

    [Fact]
    public async Task Metrics_AfterADrop_ListOnlyTheDropReasonsThatOccurred()
    {
        // Arrange
        server.StartServer();
        using HttpClient http = server.CreateClient();

        // Act: one datagram that fails the checksum (the sample's endpoint uses aes).
        SendGarbageToTheKcpEndpoint();
        string metrics = await WaitForMetricsAsync(http, m => m.Contains("kcp_drop_reason=\"checksum\"", StringComparison.Ordinal));

        // Assert: the reason is there with its count, and no reason is listed at zero.
        string[] drops = [.. metrics.Split('\n').Where(l => l.StartsWith("kcp_datagrams_dropped_total{", StringComparison.Ordinal))];
        Assert.Contains(drops, l => l.Contains("kcp_drop_reason=\"checksum\"", StringComparison.Ordinal) && l.Contains("kcp_role=\"listener\"", StringComparison.Ordinal));
        Assert.DoesNotContain(drops, l => l.EndsWith(" 0", StringComparison.Ordinal));
    }

    /// <summary>The Prometheus names of every instrument of the Kcp.Transport meter, as OpenTelemetry's exporter forms them.</summary>
    private static HashSet<string> PrometheusNamesOfTheKcpMeter()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name != KcpMetrics.MeterName)
                {
                    return;
                }

                string name = instrument.Name.Replace('.', '_');
                string suffix = instrument.Unit switch { "By" => "_bytes", "s" => "_seconds", _ => string.Empty };
                name = name.EndsWith(suffix, StringComparison.Ordinal) ? name : name + suffix;
                string kind = instrument.GetType().Name;
                if (kind.StartsWith("Histogram", StringComparison.Ordinal))
                {
                    names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                }
                else
                {
                    // Counters are monotonic sums (_total); up-down counters and gauges are gauges.
                    names.Add(kind.StartsWith("Counter", StringComparison.Ordinal) || kind.StartsWith("ObservableCounter", StringComparison.Ordinal) ? name + "_total" : name);
                }
            },
        };
        listener.Start();   // publishes the instruments that exist: the sample's meter was created when it started
        Assert.True(names.Count > 20, $"Too few Kcp.Transport instruments: {string.Join(", ", names)}");
        return names;
    }

    private static IEnumerable<string> ExportedMetricNames(string metrics) =>
        metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOfAny(['{', ' '])]).Distinct();

    /// <summary>Every PromQL text of the dashboard: panel targets and template variable queries.</summary>
    private static IEnumerable<string> Queries(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Name is "expr" or "definition" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }

                foreach (string query in Queries(property.Value))
                {
                    yield return query;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (string query in element.EnumerateArray().SelectMany(Queries))
            {
                yield return query;
            }
        }
    }

    private static IEnumerable<JsonElement> Panels(JsonElement root) =>
        root.GetProperty("panels").EnumerateArray().SelectMany(p => p.TryGetProperty("panels", out JsonElement nested) ? [p, .. nested.EnumerateArray()] : new[] { p });

    private void SendGarbageToTheKcpEndpoint()
    {
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.SendTo(new byte[64], server.KcpEndPoint);   // a full-size aes datagram whose CRC cannot match
    }

    private static async Task<string> WaitForMetricsAsync(HttpClient http, Func<string, bool> ready)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (true)
        {
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), deadline.Token).WithTimeout();
            if (ready(metrics))
            {
                return metrics;
            }

            await Task.Delay(200, deadline.Token);
        }
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

    [GeneratedRegex(@"\bkcp_[a-z0-9_]+\b")]
    private static partial Regex KcpName();

    [GeneratedRegex(@"[{,]([a-z_][a-z0-9_]*)=""")]
    private static partial Regex LabelName();

    // A label in a PromQL matcher: {name=~"..."} or , name="...".
    [GeneratedRegex(@"[{,]\s*([a-z_][a-z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex LabelMatcher();
}
