using System.Diagnostics;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>One GET /bytes/{--bytes} on a fresh connection, cut at --timeout: bytes received, seconds, completed or not.</summary>
internal static class DownloadWorkload
{
    public static async Task<WorkloadResult> RunAsync(ClientOptions options)
    {
        using HttpClient client = options.CreateHttpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
        var clock = Stopwatch.StartNew();
        long received = 0;
        bool completed = false;
        try
        {
            using HttpResponseMessage response = await client.GetAsync($"bytes/{options.Bytes}", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            response.EnsureSuccessStatusCode();
            await using Stream body = await response.Content.ReadAsStreamAsync(deadline.Token);
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received += read;
            }

            completed = received == options.Bytes;
        }
        catch (OperationCanceledException)
        {
            // Cut at the deadline: the figure is what arrived in that time.
        }

        return new WorkloadResult
        {
            PayloadBytes = received,
            Seconds = clock.Elapsed.TotalSeconds,
            Completed = completed,
            Note = completed ? string.Empty : "cut at timeout",
        };
    }
}
