using System.Net.Http.Json;
using System.Text.Json;
using ChatHub.Tests.Infrastructure;
using ChatHub.Tests.ScaleOut.Infrastructure;

namespace ChatHub.Tests.Dashboard;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>, which tests/run installs) as a child process: its own free port, its
/// TSDB in a temp folder, one scrape job (<c>chathub</c>) on a target's /metrics every second. Bounded by
/// <see cref="BoundedProcess"/> (coreutils' timeout, and a stop when the test is done); its folder is deleted after it.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Job = "chathub";

    private readonly BoundedProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(BoundedProcess process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = address, Timeout = TestTimeouts.Default };
    }

    /// <summary>What it printed (warnings and errors only).</summary>
    public string Output => _process.Output;

    /// <summary>Starts it scraping <paramref name="target"/> (host:port) and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        string binary = File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus"
            : throw new InvalidOperationException("prometheus is not installed: tests/run installs it (apt-get install prometheus).");
        string directory = Directory.CreateTempSubdirectory("kcp-prometheus-").FullName;
        string config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {Job}
                scrape_interval: 1s
                scrape_timeout: 1s
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target}']
            """);
        int port = FreeTcpPort();
        BoundedProcess process = BoundedProcess.Start("prometheus", binary,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ], workingDirectory: directory);
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await server.WaitUntilReadyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query (<c>/api/v1/query</c>) at now: the result vector; fails the test with Prometheus's error for an invalid query.</summary>
    public async Task<JsonElement[]> QueryAsync(string promQl)
    {
        using HttpResponseMessage response = await _http.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promQl)}", UriKind.Relative));
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = body.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "success", $"Prometheus refused `{promQl}`: {root}");
        return [.. root.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => r.Clone())];
    }

    /// <summary>The series matching <paramref name="selector"/> (<c>/api/v1/series</c>), as label sets.</summary>
    public async Task<IReadOnlyList<Dictionary<string, string>>> SeriesAsync(string selector)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>(new Uri($"api/v1/series?match[]={Uri.EscapeDataString(selector)}", UriKind.Relative));
        Assert.True(body.GetProperty("status").GetString() == "success", $"Prometheus refused the series selector `{selector}`: {body}");
        return [.. body.GetProperty("data").EnumerateArray().Select(s => s.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal))];
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            await _process.DisposeAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Its last file handles are being closed; the system cleans its temp folder.
            }
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (true)
        {
            Assert.False(_process.HasExited, $"prometheus exited:\n{_process.Output}");
            try
            {
                using HttpResponseMessage ready = await _http.GetAsync(new Uri("-/ready", UriKind.Relative), deadline.Token);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"prometheus was not ready within {TestTimeouts.Default.TotalSeconds} s:\n{_process.Output}");
            }

            await Task.Delay(100, deadline.Token);
        }
    }
}
