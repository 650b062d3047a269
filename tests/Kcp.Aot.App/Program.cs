using System.Runtime.CompilerServices;
using Kcp.AspNetCore;

// The quick start of the README under Native AOT: endpoints from configuration (Kcp:Endpoints:Api in
// appsettings.json, any Kcp__Endpoints__Api__* variable over it) and a minimal API. No `using Kcp.*` is needed for
// UseKcp; KcpTransportFactory is only named to print the port the endpoint bound.
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseKcp();

var app = builder.Build();

// "dynamic code False" in the answer proves the test talks to the native binary, not to a JIT-compiled app.
app.MapGet("/", (HttpContext context) =>
    $"hello over KCP, conv {context.Features.Get<IKcpSessionFeature>()?.Conversation}, dynamic code {RuntimeFeature.IsDynamicCodeSupported}");
app.MapPost("/echo", async (HttpRequest request, HttpResponse response) =>
{
    response.ContentType = "application/octet-stream";
    await request.Body.CopyToAsync(response.Body, request.HttpContext.RequestAborted).ConfigureAwait(false);
});

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (KcpEndPoint endPoint in app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints)
    {
        Console.WriteLine($"kcp listening on {endPoint.IPEndPoint}");
    }
});

await app.RunAsync().ConfigureAwait(false);
