using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// A minimal API app served by Kestrel over KCP (HTTP/1.1) and TCP at once, called by HttpClient. Derived classes run
/// the same tests over another <see cref="KcpTestLink"/>.
/// </summary>
public class HttpOverKcpTests : IAsyncLifetime
{
    private const int LargeBody = 10 * 1024 * 1024;
    private readonly ConcurrentDictionary<string, int> _connectionsSeen = new();
    private TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _concurrentArrivals;
    private int _concurrentTarget = int.MaxValue;
    private readonly KcpTestLink _link;
    private readonly ITestOutputHelper _output;
    private const int TracedDatagrams = 200;   // the relay's first datagrams of each test (a 10 MB body is ~8,000)
    private readonly TestOutputLoggerProvider _serverLog;
    private readonly TestOutputLoggerProvider _relayLog;
    private int _traced;
    private readonly ILoggerFactory _clientLog;
    private KcpTestHost _host = null!;
    private KcpLinkPath _path = null!;

    public HttpOverKcpTests(ITestOutputHelper output)
        : this(KcpTestLink.Direct, output)
    {
    }

    protected HttpOverKcpTests(KcpTestLink link, ITestOutputHelper output)
    {
        _link = link;
        _output = output;
        _serverLog = new TestOutputLoggerProvider(output, "server");
        _relayLog = new TestOutputLoggerProvider(output, "relay");
        _clientLog = new TestOutputLoggerProvider(output, "client").CreateFactory();
    }

    public async Task InitializeAsync()
    {
        _host = await KcpTestHost.StartAsync(configureKcp: _link.ServerOptions(), configureBuilder: builder => builder.Logging.AddProvider(_serverLog).SetMinimumLevel(LogLevel.Debug), mapApp: app =>
        {
            app.MapGet("/hello", (HttpContext context) =>
            {
                _connectionsSeen.AddOrUpdate(context.Connection.Id, 1, (_, n) => n + 1);
                return "hello " + context.Connection.RemoteIpAddress;
            });
            app.MapPost("/echo", async (HttpContext context) =>
            {
                context.Response.ContentType = "application/octet-stream";
                await context.Request.Body.CopyToAsync(context.Response.Body);
            });
            app.MapPost("/echo-buffered", async (HttpContext context) =>
            {
                // Reads the whole body before answering: HTTP/1.1 clients send the request body before they read the
                // response, so a streaming echo of a body larger than the buffers on the way deadlocks on TCP too.
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
            });
            app.MapGet("/bytes/{count:int}", async (int count, HttpContext context) =>
            {
                context.Response.ContentLength = count;
                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < count; sent += chunk.Length)
                {
                    int n = Math.Min(chunk.Length, count - sent);
                    for (int i = 0; i < n; i++)
                    {
                        chunk[i] = (byte)(sent + i);
                    }

                    await context.Response.Body.WriteAsync(chunk.AsMemory(0, n));
                }
            });
            app.MapGet("/together", async (HttpContext context) =>
            {
                // Answers only once every expected request is in flight, which needs that many connections.
                _connectionsSeen.TryAdd(context.Connection.Id, 1);
                if (Interlocked.Increment(ref _concurrentArrivals) >= _concurrentTarget)
                {
                    _allArrived.TrySetResult();
                }

                await _allArrived.Task.WaitAsync(TestTimeouts.Default);
                return context.Connection.Id;
            });
        });
        _path = _link.Open(_host.KcpEndPoint, trace: (toServer, length, fate) =>
        {
            if (++_traced <= TracedDatagrams)
            {
                _relayLog.Write($"{(toServer ? "to server" : "to client")} {length} B {fate}");
            }
        });
    }

    public async Task DisposeAsync()
    {
        if (_path.Summary is { } relay)
        {
            _output.WriteLine(relay);
        }

        await _path.DisposeAsync();
        await _host.DisposeAsync();
        _clientLog.Dispose();
    }

    /// <summary>The path clients dial (through the relay for a lossy link).</summary>
    protected KcpLinkPath Path => _path;

    protected HttpClient CreateKcpClient(int maxConnections = 1)
    {
        var handler = KcpHttpHandler.Create(_path.Target, _link.ClientOptions(), _clientLog);
        handler.MaxConnectionsPerServer = maxConnections;
        return new HttpClient(handler) { BaseAddress = new Uri("http://kcp.test/"), Timeout = TestTimeouts.Default };
    }

    [Fact]
    public async Task Get_OverKcp_ReturnsTheResponseAndSeesALoopbackPeer()
    {
        using HttpClient client = CreateKcpClient();

        string body = await client.GetStringAsync("hello").DefaultTimeout();

        Assert.Equal("hello 127.0.0.1", body);
    }

    [Fact]
    public async Task Post_SmallBody_IsEchoed()
    {
        using HttpClient client = CreateKcpClient();

        using HttpResponseMessage response = await client.PostAsync("echo", new StringContent("ping over kcp")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ping over kcp", await response.Content.ReadAsStringAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Post_TenMegabytesBothWays_ArrivesIntact()
    {
        using HttpClient client = CreateKcpClient();
        byte[] payload = RandomNumberGenerator.GetBytes(LargeBody);

        using HttpResponseMessage response = await client.PostAsync("echo-buffered", new ByteArrayContent(payload)).DefaultTimeout();
        byte[] echoed = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload.Length, echoed.Length);
        Assert.True(payload.AsSpan().SequenceEqual(echoed), "The echoed body differs from the one sent.");
    }

    [Fact]
    public async Task Get_TenMegabyteDownload_ArrivesIntact()
    {
        using HttpClient client = CreateKcpClient();

        byte[] body = await client.GetByteArrayAsync($"bytes/{LargeBody}").DefaultTimeout();

        Assert.Equal(LargeBody, body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            if (body[i] != (byte)i)
            {
                Assert.Fail($"Byte {i} is {body[i]}, expected {(byte)i}.");
            }
        }
    }

    [Fact]
    public async Task Get_ManyRequests_ReuseOneKeptAliveConnection()
    {
        using HttpClient client = CreateKcpClient();

        for (int i = 0; i < 50; i++)
        {
            Assert.StartsWith("hello", await client.GetStringAsync("hello").DefaultTimeout(), StringComparison.Ordinal);
        }

        KeyValuePair<string, int> connection = Assert.Single(_connectionsSeen);
        Assert.Equal(50, connection.Value);
    }

    [Fact]
    public async Task Get_EightConcurrentRequests_UseEightConnections()
    {
        const int Connections = 8;
        _concurrentTarget = Connections;
        using HttpClient client = CreateKcpClient(maxConnections: Connections);

        string[] ids = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => client.GetStringAsync("together"))).DefaultTimeout();

        Assert.Equal(Connections, ids.Distinct().Count());
        Assert.Equal(Connections, _host.Factory.GetActiveSessions().Count);
    }

    [Fact]
    public async Task Get_TcpEndPoint_KeepsWorkingNextToKcp()
    {
        using var tcp = new HttpClient { BaseAddress = _host.TcpAddress, Timeout = TestTimeouts.Default };
        using HttpClient kcp = CreateKcpClient();

        string overTcp = await tcp.GetStringAsync("hello").DefaultTimeout();
        string overKcp = await kcp.GetStringAsync("hello").DefaultTimeout();

        Assert.Equal("hello 127.0.0.1", overTcp);
        Assert.Equal(overTcp, overKcp);
        Assert.Equal(2, _connectionsSeen.Count);
    }

    [Fact]
    public async Task Get_HandlerWithoutFixedEndPoint_DialsTheHostAndPortOfTheUri()
    {
        using var client = new HttpClient(KcpHttpHandler.Create(_link.ClientOptions(), _clientLog)) { Timeout = TestTimeouts.Default };

        string body = await client.GetStringAsync($"http://127.0.0.1:{_path.Target.Port}/hello").DefaultTimeout();

        Assert.Equal("hello 127.0.0.1", body);
    }
}
