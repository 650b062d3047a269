using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Kcp.AspNetCore.Tests.Grpc;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static Kcp.AspNetCore.Tests.ConfiguredKcpHost;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// gRPC (Grpc.AspNetCore, Grpc.Net.Client) over HTTP/2 without TLS (h2c) on a KCP endpoint declared in configuration,
/// with aes-128-gcm and FEC 10/3: unary, server, client and bidirectional streaming calls.
/// </summary>
public sealed class GrpcOverKcpTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private KcpEndPoint _endPoint = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _app = await StartAsync(
        [
            Setting("Kcp:Endpoints:Grpc:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:Grpc:Protocols", "Http2"),
            Setting("Kcp:Endpoints:Grpc:Crypt", "aes-128-gcm"),
            Setting("Kcp:Endpoints:Grpc:Key", "grpc over kcp"),
            Setting("Kcp:Endpoints:Grpc:DataShards", "10"),
            Setting("Kcp:Endpoints:Grpc:ParityShards", "3"),
            Setting("Kcp:Endpoints:Grpc:Preset", "Fast2"),
        ], configureBuilder: builder => builder.Services.AddGrpc(), mapApp: app => app.MapGrpcService<EchoService>());
        _endPoint = ClientEndPoint(_app);

        // gRPC over http:// speaks HTTP/2 with prior knowledge; every connection of the handler is a KCP session.
        _channel = GrpcChannel.ForAddress("http://grpc.kcp", new GrpcChannelOptions { HttpHandler = KcpHttpHandler.Create(_endPoint.IPEndPoint, _endPoint.Options) });
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await StopAsync(_app);
    }

    private KcpTransportFactory Transport => _app.Services.GetRequiredService<KcpTransportFactory>();

    private static CallOptions Bounded() => new(deadline: DateTime.UtcNow + TestTimeouts.Default);

    [Fact]
    public async Task Unary_AesGcmAndFec_RepliesOverHttp2()
    {
        var client = new Echo.EchoClient(_channel);

        EchoReply reply = await client.UnaryAsync(new EchoRequest { Text = "hello" }, Bounded()).ResponseAsync.DefaultTimeout();

        Assert.Equal("hello", reply.Text);
        Assert.Equal("HTTP/2", reply.Protocol);
        KcpOptions server = Assert.Single(Transport.BoundEndPoints).Options!;
        Assert.Equal(("aes-128-gcm", 10, 3), (server.Crypt, server.DataShards, server.ParityShards));
    }

    [Fact]
    public async Task ServerStreaming_TwoHundredReplies_ArriveInOrderAndFecParityFlows()
    {
        var client = new Echo.EchoClient(_channel);
        ByteString payload = ByteString.CopyFrom(new byte[2000]);

        using AsyncServerStreamingCall<EchoReply> call = client.ServerStream(new EchoRequest { Text = "item", Count = 200, Payload = payload }, Bounded());
        var indexes = new List<int>();
        await foreach (EchoReply reply in call.ResponseStream.ReadAllAsync().WithCancellation(TestTimeouts.DefaultToken()))
        {
            Assert.Equal($"item {reply.Index}", reply.Text);
            Assert.Equal(payload.Length, reply.Payload.Length);
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 200), indexes);
        KcpSessionStatistics session = Assert.Single(Transport.GetActiveSessions()).GetStatistics();
        Assert.True(session.Counters.FecParityShards > 0, "The server received no FEC parity shard.");
        Assert.Equal(0, session.Counters.InChecksumErrors);
    }

    [Fact]
    public async Task ClientStreaming_FiftyRequests_AreAllReceived()
    {
        var client = new Echo.EchoClient(_channel);

        using AsyncClientStreamingCall<EchoRequest, EchoReply> call = client.ClientStream(Bounded());
        for (int i = 0; i < 50; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Payload = ByteString.CopyFrom(new byte[1024]) }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        EchoReply reply = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal(50, reply.Index);
        Assert.Equal(string.Join(",", Enumerable.Range(0, 50)) + " (51200 bytes)", reply.Text);
    }

    [Fact]
    public async Task Duplex_EachRequestIsAnsweredBeforeTheNextIsSent()
    {
        var client = new Echo.EchoClient(_channel);

        using AsyncDuplexStreamingCall<EchoRequest, EchoReply> call = client.Duplex(Bounded());
        for (int i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"ping {i}" }).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext(TestTimeouts.DefaultToken()).DefaultTimeout());
            Assert.Equal((i, $"PING {i}"), (call.ResponseStream.Current.Index, call.ResponseStream.Current.Text));
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.False(await call.ResponseStream.MoveNext(TestTimeouts.DefaultToken()).DefaultTimeout());
    }

    [Fact]
    public async Task ConcurrentCalls_OnOneChannel_AreMultiplexedOverOneKcpSession()
    {
        var client = new Echo.EchoClient(_channel);

        EchoReply[] replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.UnaryAsync(new EchoRequest { Text = $"call {i}" }, Bounded()).ResponseAsync)).DefaultTimeout();

        Assert.Single(replies.Select(r => r.Connection).Distinct());
        Assert.Single(Transport.GetActiveSessions());
    }

    [Fact]
    public async Task AddGrpcClient_UseKcp_TypedClientFromTheFactoryCallsOverKcp()
    {
        var services = new ServiceCollection();
        services.AddGrpcClient<Echo.EchoClient>(options => options.Address = new Uri("http://grpc.kcp")).UseKcp(_endPoint);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<Echo.EchoClient>();

        EchoReply reply = await client.UnaryAsync(new EchoRequest { Text = "typed" }, Bounded()).ResponseAsync.DefaultTimeout();

        Assert.Equal(("typed", "HTTP/2"), (reply.Text, reply.Protocol));
    }
}
