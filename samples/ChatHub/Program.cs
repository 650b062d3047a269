using ChatHubSample;
using ChatHubSample.Client;
using ChatHubSample.ScaleOut;
using ChatHubSample.Stats;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

// `ChatHub client ...` runs the console client (or the bots) instead of the server.
if (args.Length > 0 && string.Equals(args[0], "client", StringComparison.OrdinalIgnoreCase))
{
    return await ChatClientCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

var builder = WebApplication.CreateBuilder(args);

// Several servers share one chat through Redis when ConnectionStrings:Redis is set (README, "Running more than one server").
builder.Services.AddOptions<ChatServerOptions>()
    .Bind(builder.Configuration.GetSection(ChatServerOptions.SectionName))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton<IConfigureOptions<HubOptions>, ChatServerOptions.ApplyToHub>();
string backplane = RedisBackplane.AddIfConfigured(builder.Services.AddSignalR().AddMessagePackProtocol(), builder.Configuration);
builder.Services.AddSingleton<KcpConnectionRegistry>();
builder.Services.AddSingleton<KcpStatsSampler>();
builder.Services.AddHostedService(services => services.GetRequiredService<KcpStatsSampler>());

// The transport's meter at /metrics (Prometheus) and its health at /healthz.
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(Kcp.Transport.KcpMetrics.MeterName).AddPrometheusExporter());
builder.Services.AddHealthChecks().AddKcp();

// Both endpoints come from configuration (appsettings.json): Kcp:Endpoints:Chat is the hub on KCP (its Url and KCP
// settings), Kestrel:Endpoints:Web the page on TCP. Kcp__Endpoints__Chat__Url=kcp://127.0.0.1:6000 moves the hub.
// The hub is served raw on the KCP endpoint (no HTTP): a connection handler, as UseHub adds it.
builder.WebHost.UseKcp(kcp => kcp.Endpoint("Chat", listen =>
{
    var registry = listen.ApplicationServices.GetRequiredService<KcpConnectionRegistry>();
    listen.Use(registry.Track).UseHub<ChatHub>();
}));

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();
app.UseWebSockets();
app.MapHub<ChatHub>(ChatHub.Path);
app.MapGet("/api/kcp-stats", (KcpStatsSampler sampler) => sampler.GetReport());
app.MapPrometheusScrapingEndpoint();
app.MapHealthChecks("/healthz");

app.Lifetime.ApplicationStarted.Register(() => ServerBanner.Print(app, backplane));

await app.RunAsync().ConfigureAwait(false);
return 0;
