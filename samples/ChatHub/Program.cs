using ChatHubSample;
using ChatHubSample.Client;
using ChatHubSample.Stats;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using OpenTelemetry.Metrics;

// `ChatHub client ...` runs the console client (or the bots) instead of the server.
if (args.Length > 0 && string.Equals(args[0], "client", StringComparison.OrdinalIgnoreCase))
{
    return await ChatClientCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSignalR().AddMessagePackProtocol();
builder.Services.AddSingleton<KcpConnectionRegistry>();
builder.Services.AddSingleton<KcpStatsSampler>();
builder.Services.AddHostedService(services => services.GetRequiredService<KcpStatsSampler>());

// The transport's meter at /metrics (Prometheus) and its health at /healthz.
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(KcpMetrics.MeterName).AddPrometheusExporter());
builder.Services.AddHealthChecks().AddKcp();

builder.WebHost.UseKcp();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Read when Kestrel is configured, not before Build(): WebApplicationFactory's overrides (ports 0) arrive late.
    var configuration = kestrel.ApplicationServices.GetRequiredService<IConfiguration>();
    var kcp = KcpChatSettings.From(configuration);
    var http = HttpChatSettings.From(configuration);

    // The KCP endpoint is bound first: WebApplicationFactory takes the last bound address as its HTTP base address.
    kestrel.ListenKcp(kcp.IPAddress, kcp.Port, kcp.Apply, listen =>
    {
        var registry = listen.ApplicationServices.GetRequiredService<KcpConnectionRegistry>();
        listen.Use(registry.Track).UseHub<ChatHub>();
    });
    kestrel.Listen(http.IPAddress, http.Port);
});

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();
app.UseWebSockets();
app.MapHub<ChatHub>(ChatHub.Path);
app.MapGet("/api/kcp-stats", (KcpStatsSampler sampler) => sampler.GetReport());
app.MapPrometheusScrapingEndpoint();
app.MapHealthChecks("/healthz");

app.Lifetime.ApplicationStarted.Register(() => ServerBanner.Print(app));

await app.RunAsync().ConfigureAwait(false);
return 0;
