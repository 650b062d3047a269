using Grpc.Core;
using Grpc.Net.Client;
using Kcp.Benchmarks.Tools.Grpc;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// One row of the `http` tool: <see cref="Concurrency"/> workers repeat one operation (a request, a call) against a
/// target. <see cref="Bulk"/> rows are reported in MB/s of response payload, the others in operations per second.
/// </summary>
internal sealed record HttpWorkload(string Name, int Concurrency, bool Bulk, Func<HttpComparisonTarget, HttpWorkloadClient> Open)
{
    /// <summary>Streamed messages per gRPC Download call: 16 MiB, long enough that the call set-up does not dominate.</summary>
    private const int MessagesPerDownload = 256;

    /// <summary>The rows of the table, in order.</summary>
    public static IReadOnlyList<HttpWorkload> All { get; } =
    [
        Get("HTTP/1.1 GET 13 B, 1 connection", http2: false, concurrency: 1, "/small", bulk: false),
        Get("HTTP/1.1 GET 13 B, 32 connections", http2: false, concurrency: 32, "/small", bulk: false),
        Get("HTTP/1.1 GET 1 MiB, 1 connection", http2: false, concurrency: 1, "/large", bulk: true),
        Get("h2c GET 13 B, 32 streams on 1 connection", http2: true, concurrency: 32, "/small", bulk: false),
        Get("h2c GET 1 MiB, 1 stream", http2: true, concurrency: 1, "/large", bulk: true),
        new("gRPC unary 13 B, 32 concurrent calls on 1 connection", 32, false, target => Grpc(target, channel =>
        {
            var client = new Bench.BenchClient(channel);
            var request = new Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8("Hello, World!") };
            return async _ => (await client.UnaryAsync(request).ResponseAsync.ConfigureAwait(false)).Data.Length;
        })),
        new("gRPC server streaming 64 KiB messages, 1 call", 1, true, target => Grpc(target, channel =>
        {
            var client = new Bench.BenchClient(channel);
            var request = new DownloadRequest { Messages = MessagesPerDownload };
            return async _ =>
            {
                using AsyncServerStreamingCall<Payload> call = client.Download(request);
                long bytes = 0;
                await foreach (Payload message in call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
                {
                    bytes += message.Data.Length;
                }

                return bytes;
            };
        })),
    ];

    private static HttpWorkload Get(string name, bool http2, int concurrency, string path, bool bulk)
        => new(name, concurrency, bulk, target =>
        {
            HttpClient client = target.CreateHttpClient(http2, concurrency);
            return new HttpWorkloadClient(client, async scratch =>
            {
                using HttpResponseMessage response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                if (response.Version != client.DefaultRequestVersion)
                {
                    throw new InvalidOperationException($"{target.Name}: asked for HTTP/{client.DefaultRequestVersion}, got HTTP/{response.Version}.");
                }

                await using Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                long bytes = 0;
                int read;
                while ((read = await body.ReadAsync(scratch).ConfigureAwait(false)) > 0)
                {
                    bytes += read;
                }

                return bytes;
            });
        });

    private static HttpWorkloadClient Grpc(HttpComparisonTarget target, Func<GrpcChannel, Func<byte[], Task<long>>> operation)
    {
        GrpcChannel channel = target.CreateGrpcChannel();
        return new HttpWorkloadClient(channel, operation(channel));
    }
}

/// <summary>An opened workload: the operation one worker repeats (given its own scratch buffer; returns the payload bytes received) and what to dispose.</summary>
internal sealed class HttpWorkloadClient(IDisposable owner, Func<byte[], Task<long>> runOnce) : IDisposable
{
    public Func<byte[], Task<long>> RunOnce { get; } = runOnce;

    public void Dispose() => owner.Dispose();
}
