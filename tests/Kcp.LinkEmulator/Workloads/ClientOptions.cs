using System.Globalization;
using System.Net;
using Kcp.AspNetCore;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// The client's command line: client --workload http|signalr|grpc|download|probe|fallback|datagrams|datagrams-stream --config tcp|fast3+fec|...
/// [--server 10.77.0.2] [--seconds 10] [--warmup 2] [--clients 50] [--rate 20] [--concurrency 10] [--bytes N] [--timeout 60]
/// [--samples file] [--fallback true|false]
/// </summary>
internal sealed record ClientOptions
{
    public string Workload { get; init; } = "http";

    public string Config { get; init; } = "tcp";

    public IPAddress Server { get; init; } = IPAddress.Parse("10.77.0.2");

    public double Seconds { get; init; } = 10;

    /// <summary>SignalR and datagrams: seconds sent before the counted ones.</summary>
    public double WarmupSeconds { get; init; } = 2;

    /// <summary>SignalR clients (fallback: connections, one after the other).</summary>
    public int Clients { get; init; } = 50;

    /// <summary>SignalR messages per second per client; positions per second (datagrams workloads).</summary>
    public double Rate { get; init; } = 20;

    /// <summary>HTTP requests in flight (one connection each).</summary>
    public int Concurrency { get; init; } = 10;

    /// <summary>Download size; for the datagrams workloads, 0 turns the bulk download beside the positions off.</summary>
    public long Bytes { get; init; } = 16L << 20;

    /// <summary>A download stops here and reports what arrived.</summary>
    public double TimeoutSeconds { get; init; } = 60;

    /// <summary>Fallback workload: race WebSockets against KCP (true), or KCP alone (false, to compare the first message's time).</summary>
    public bool Fallback { get; init; } = true;

    /// <summary>Where the raw latency samples go (one ms value a line), for the CDF plots.</summary>
    public string? SamplesPath { get; init; }

    public bool IsTcp => KcpConfig.IsTcp(Config);

    public static ClientOptions Parse(string[] args)
    {
        var options = new ClientOptions();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            options = args[i] switch
            {
                "--workload" => options with { Workload = value },
                "--config" => options with { Config = value },
                "--server" => options with { Server = IPAddress.Parse(value) },
                "--seconds" => options with { Seconds = Number(value) },
                "--warmup" => options with { WarmupSeconds = Number(value) },
                "--clients" => options with { Clients = (int)Number(value) },
                "--rate" => options with { Rate = Number(value) },
                "--concurrency" => options with { Concurrency = (int)Number(value) },
                "--bytes" => options with { Bytes = (long)Number(value) },
                "--timeout" => options with { TimeoutSeconds = Number(value) },
                "--samples" => options with { SamplesPath = value },
                "--fallback" => options with { Fallback = bool.Parse(value) },
                _ => throw new ArgumentException($"Unknown client option {args[i]}."),
            };
        }

        return options;
    }

    /// <summary>An HttpClient to the server's HTTP endpoint over TCP or over the configured KCP setting.</summary>
    public HttpClient CreateHttpClient()
    {
        if (IsTcp)
        {
            var handler = new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            return new HttpClient(handler) { BaseAddress = new Uri($"http://{Server}:{KcpConfig.TcpPort}/"), Timeout = TimeSpan.FromSeconds(TimeoutSeconds) };
        }

        KcpConfig config = KcpConfig.Parse(Config);
        var options = new Kcp.Transport.KcpOptions();
        config.Configure(options);
        return new HttpClient(KcpHttpHandler.Create(config.HttpEndPoint(Server), options)) { BaseAddress = new Uri("http://kcp/"), Timeout = TimeSpan.FromSeconds(TimeoutSeconds) };
    }

    private static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);
}
