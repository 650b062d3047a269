using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kcp.AspNetCore;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// How long each failure takes to surface, KCP next to TCP, on loopback (README "When things go wrong"). Each row is
/// the median of --runs measurements with the defaults a user gets (KcpOptions as they are; TCP as Linux has it).
/// Prints a Markdown table. Usage: failures [--runs 3]
/// </summary>
internal static class FailureLatency
{
    private const string Key = "failure latency";

    public static async Task<int> RunAsync(string[] args)
    {
        int runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var rows = new (string Failure, Func<Task<TimeSpan>> Kcp, Func<Task<TimeSpan>> Tcp, string TcpNote)[]
        {
            ("peer aborts: the other side's read fails", KcpAbortAsync, TcpAbortAsync, "RST"),
            ("peer closes: the other side reads to the end", KcpCloseAsync, TcpCloseAsync, "FIN"),
            ("server restarted: next HttpClient request on a pooled connection succeeds", KcpRestartAsync, TcpRestartAsync, "RST, retried"),
            ("nothing listening: the first request fails", KcpNothingListeningAsync, TcpNothingListeningAsync, "ECONNREFUSED"),
            ("wrong key (KCP) / untrusted certificate (TLS): the first request fails", KcpWrongKeyAsync, TlsWrongCertificateAsync, "TLS alert"),
            ("request cancelled after 300 ms, server dead: the call returns", KcpCancelAsync, TcpCancelAsync, string.Empty),
        };

        Console.WriteLine("| failure | KCP | TCP |");
        Console.WriteLine("|---|---|---|");
        foreach (var row in rows)
        {
            TimeSpan kcp = await MedianAsync(row.Kcp, runs);
            TimeSpan tcp = await MedianAsync(row.Tcp, runs);
            string note = row.TcpNote.Length > 0 ? $" ({row.TcpNote})" : string.Empty;
            Console.WriteLine($"| {row.Failure} | {Format(kcp)} | {Format(tcp)}{note} |");
        }

        return 0;
    }

    private static string Format(TimeSpan time) => time.TotalSeconds >= 1
        ? time.TotalSeconds.ToString("0.0 's'", CultureInfo.InvariantCulture)
        : time.TotalMilliseconds.ToString("0 'ms'", CultureInfo.InvariantCulture);

    private static async Task<TimeSpan> MedianAsync(Func<Task<TimeSpan>> measure, int runs)
    {
        var times = new List<TimeSpan>();
        for (int i = 0; i < runs; i++)
        {
            times.Add(await measure().WaitAsync(TimeSpan.FromSeconds(60)));
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static KcpOptions Options(string key = Key) => new() { Crypt = "aes", Key = key };

    private static async Task<TimeSpan> KcpAbortAsync() => await KcpPairAsync(static (client, server) => { server.Abort(); return Task.CompletedTask; });

    private static async Task<TimeSpan> KcpCloseAsync() => await KcpPairAsync(static (client, server) => server.CloseAsync());

    /// <summary>Times from <paramref name="end"/> to the client's read ending (an error or the end of the stream).</summary>
    private static async Task<TimeSpan> KcpPairAsync(Func<KcpSession, KcpSession, Task> end)
    {
        await using var listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options());
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Options());
        await client.Output.WriteAsync(new byte[1]);
        KcpSession server = (await listener.AcceptAsync())!;
        await server.Input.ReadAsync();
        var clock = Stopwatch.StartNew();
        await end(client, server);
        await ReadToEndAsync(client.Input);
        return clock.Elapsed;
    }

    private static async Task<TimeSpan> TcpAbortAsync() => await TcpPairAsync(static server =>
    {
        server.LingerState = new LingerOption(true, 0);
        server.Close();
    });

    private static async Task<TimeSpan> TcpCloseAsync() => await TcpPairAsync(static server =>
    {
        server.Shutdown(SocketShutdown.Both);
        server.Close();
    });

    private static async Task<TimeSpan> TcpPairAsync(Action<Socket> end)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using Socket server = await listener.AcceptAsync();
        var clock = Stopwatch.StartNew();
        end(server);
        try
        {
            while (await client.ReceiveAsync(new byte[64], SocketFlags.None) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }

        return clock.Elapsed;
    }

    private static async Task<TimeSpan> KcpRestartAsync()
    {
        // A killed server says nothing: a relay swallows what the first one sends while it goes down.
        bool muted = false;
        int port = FreeUdpPort();
        WebApplication first = await StartAsync(port, useKcp: true);
        await using var relay = new UdpFaultRelay(
            new IPEndPoint(IPAddress.Loopback, port), new RelayFaults { DropWhen = (toServer, _) => !toServer && Volatile.Read(ref muted) }, seed: 1);
        using var client = new HttpClient(KcpHttpHandler.Create(relay.EndPoint, Options())) { BaseAddress = new Uri("http://kcp/") };
        await client.GetStringAsync("/");
        Volatile.Write(ref muted, true);
        await StopAsync(first);
        WebApplication second = await StartAsync(port, useKcp: true);
        Volatile.Write(ref muted, false);
        var clock = Stopwatch.StartNew();
        await client.GetStringAsync("/");
        TimeSpan elapsed = clock.Elapsed;
        await StopAsync(second);
        return elapsed;
    }

    private static async Task<TimeSpan> TcpRestartAsync()
    {
        int port = FreeTcpPort();
        WebApplication first = await StartAsync(port, useKcp: false);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await client.GetStringAsync("/");
        await StopAsync(first);
        WebApplication second = await StartAsync(port, useKcp: false);
        var clock = Stopwatch.StartNew();
        await client.GetStringAsync("/");
        TimeSpan elapsed = clock.Elapsed;
        await StopAsync(second);
        return elapsed;
    }

    private static async Task<TimeSpan> KcpNothingListeningAsync()
    {
        using var client = new HttpClient(KcpHttpHandler.Create(new IPEndPoint(IPAddress.Loopback, FreeUdpPort()), Options()));
        return await FailureTimeAsync(() => client.GetStringAsync("http://kcp/"));
    }

    private static async Task<TimeSpan> TcpNothingListeningAsync()
    {
        using var client = new HttpClient();
        return await FailureTimeAsync(() => client.GetStringAsync($"http://127.0.0.1:{FreeTcpPort()}/"));
    }

    private static async Task<TimeSpan> KcpWrongKeyAsync()
    {
        int port = FreeUdpPort();
        WebApplication server = await StartAsync(port, useKcp: true);
        using var client = new HttpClient(KcpHttpHandler.Create(new IPEndPoint(IPAddress.Loopback, port), Options("not the server's key")));
        TimeSpan elapsed = await FailureTimeAsync(() => client.GetStringAsync("http://kcp/"));
        await StopAsync(server);
        return elapsed;
    }

    private static async Task<TimeSpan> TlsWrongCertificateAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using X509Certificate2 certificate = SelfSigned();
        Task serve = Task.Run(async () =>
        {
            using Socket accepted = await listener.AcceptAsync();
            await using var tls = new SslStream(new NetworkStream(accepted, ownsSocket: false));
            try
            {
                await tls.AuthenticateAsServerAsync(certificate);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The client refused the certificate.
            }
        });
        using var client = new HttpClient();
        TimeSpan elapsed = await FailureTimeAsync(() => client.GetStringAsync($"https://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/"));
        await serve;
        return elapsed;
    }

    private static async Task<TimeSpan> KcpCancelAsync()
    {
        using var dead = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        dead.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new HttpClient(KcpHttpHandler.Create((IPEndPoint)dead.LocalEndPoint!, Options()));
        return await CancelTimeAsync(client, "http://kcp/");
    }

    private static async Task<TimeSpan> TcpCancelAsync()
    {
        // Accepts and never answers, as a hung server does.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new HttpClient();
        return await CancelTimeAsync(client, $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/");
    }

    private static async Task<TimeSpan> CancelTimeAsync(HttpClient client, string uri)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        try
        {
            await client.GetStringAsync(uri, cancel.Token);
        }
        catch (OperationCanceledException)
        {
        }

        return clock.Elapsed - TimeSpan.FromMilliseconds(300);
    }

    private static async Task<TimeSpan> FailureTimeAsync(Func<Task> request)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await request();
        }
        catch (HttpRequestException)
        {
            return clock.Elapsed;
        }

        throw new InvalidOperationException("The request was expected to fail.");
    }

    private static async Task ReadToEndAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
            // An abort ends the read with the reason.
        }
    }

    private static async Task<WebApplication> StartAsync(int port, bool useKcp)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        if (useKcp)
        {
            builder.WebHost.UseKcp();
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (useKcp)
            {
                kestrel.ListenKcp(IPAddress.Loopback, port, options => (options.Crypt, options.Key) = ("aes", Key));
            }
            else
            {
                kestrel.Listen(IPAddress.Loopback, port);
            }
        });
        WebApplication app = builder.Build();
        app.MapGet("/", () => "hello");
        await app.StartAsync();
        return app;
    }

    private static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

}
