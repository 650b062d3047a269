using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kcp.AspNetCore.Tests;

/// <summary>HTTP/2 without TLS (h2c, prior knowledge): many requests multiplexed as streams of one KCP session.</summary>
public sealed class Http2OverKcpTests : IAsyncLifetime
{
    private const int Concurrent = 16;
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrivals;
    private KcpTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await KcpTestHost.StartAsync(listen => listen.Protocols = HttpProtocols.Http2, mapApp: app =>
        {
            app.MapGet("/together", async (HttpContext context) =>
            {
                // Answers only once every request is in flight at the same time.
                if (Interlocked.Increment(ref _arrivals) >= Concurrent)
                {
                    _allArrived.TrySetResult();
                }

                await _allArrived.Task.WaitAsync(TestTimeouts.Default);
                return $"{context.Request.Protocol} {context.Connection.Id}";
            });
            app.MapPost("/echo-buffered", async (HttpContext context) =>
            {
                // The whole body first, then the answer: each direction fills and drains HTTP/2's flow-control windows.
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
            });
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private HttpClient CreateH2cClient()
        => new(KcpHttpHandler.Create(_host.KcpEndPoint))
        {
            BaseAddress = new Uri("http://kcp.test/"),
            Timeout = TestTimeouts.Default,

            // http:// and HTTP/2 exactly: the client starts with the HTTP/2 preface (prior knowledge), no upgrade.
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    [Fact]
    public async Task Get_SixteenConcurrentRequests_AreStreamsOfOneConnectionAndOneKcpSession()
    {
        using HttpClient client = CreateH2cClient();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => client.GetAsync("together"))).DefaultTimeout();
        string[] bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync())).DefaultTimeout();

        Assert.All(responses, r => Assert.Equal(HttpVersion.Version20, r.Version));
        Assert.All(bodies, b => Assert.StartsWith("HTTP/2 ", b, StringComparison.Ordinal));
        Assert.Single(bodies.Distinct());
        Assert.Single(_host.Factory.GetActiveSessions());
        foreach (HttpResponseMessage response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Post_FourMegabytesOverHttp2_EchoedIntactThroughFlowControl()
    {
        using HttpClient client = CreateH2cClient();
        byte[] payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);

        using HttpResponseMessage response = await client.PostAsync("echo-buffered", new ByteArrayContent(payload)).DefaultTimeout();
        byte[] echoed = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.True(payload.AsSpan().SequenceEqual(echoed), "The echoed body differs from the one sent.");
    }
}
