using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>The `client` command, run in namespace A: runs one workload and prints its result as one JSON line.</summary>
internal static class WorkloadClient
{
    /// <summary>NaN stands for "no samples"; JSON has no NaN literal of its own.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        ClientOptions options = ClientOptions.Parse(args);
        object result = options.Workload switch
        {
            "http" => await HttpWorkload.RunAsync(options),
            "signalr" => await SignalRWorkload.RunAsync(options),
            "download" => await DownloadWorkload.RunAsync(options),
            "grpc" => await GrpcWorkload.RunAsync(options),
            "probe" => await ProbeWorkload.RunAsync(options),
            "fallback" => await FallbackWorkload.RunAsync(options),
            "datagrams" => await DatagramWorkload.RunAsync(options, onStream: false),
            "datagrams-stream" => await DatagramWorkload.RunAsync(options, onStream: true),
            _ => throw new ArgumentException($"Unknown workload '{options.Workload}': http, signalr, grpc, download, probe, fallback, datagrams, datagrams-stream."),
        };
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), Json));
        return 0;
    }
}
