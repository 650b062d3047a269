using System.Diagnostics;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// Small HTTP requests: --concurrency workers, each its own connection, each GET /ping back to back for --seconds.
/// One warm-up request per worker first, so connection set-up is not in the figures.
/// </summary>
internal static class HttpWorkload
{
    public static async Task<WorkloadResult> RunAsync(ClientOptions options)
    {
        using HttpClient client = options.CreateHttpClient();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => client.GetStringAsync("ping")));

        var samples = new LatencySamples();
        long failed = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(options.Seconds);
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    await client.GetStringAsync("ping");
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));

        samples.WriteTo(options.SamplesPath);
        return WorkloadResult.From(samples, failed, clock.Elapsed.TotalSeconds);
    }
}
