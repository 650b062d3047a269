using System.Net;
using Grpc.Net.Client;
using Kcp.AspNetCore;
using Kcp.Transport;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// One transport of the `http` tool as a client sees it: TCP when <paramref name="Kcp"/> is null, otherwise KCP with
/// those options, dialled through <see cref="KcpHttpHandler"/> as an application would.
/// </summary>
internal sealed record HttpComparisonTarget(string Name, KcpOptions? Kcp, IPEndPoint Http1, IPEndPoint Http2)
{
    /// <summary>An HttpClient for the HTTP/1.1 listener with up to <paramref name="connections"/> connections, or for the h2c listener (one connection, many streams).</summary>
    public HttpClient CreateHttpClient(bool http2, int connections)
    {
        SocketsHttpHandler handler = CreateHandler(http2 ? Http2 : Http1);
        handler.MaxConnectionsPerServer = connections;
        return new HttpClient(handler)
        {
            BaseAddress = BaseAddress(http2 ? Http2 : Http1),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            // h2c with prior knowledge: no upgrade, no TLS.
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>A gRPC channel to the h2c listener: all calls are streams of one connection.</summary>
    public GrpcChannel CreateGrpcChannel()
        => GrpcChannel.ForAddress(BaseAddress(Http2), new GrpcChannelOptions { HttpHandler = CreateHandler(Http2), DisposeHttpClient = true });

    private SocketsHttpHandler CreateHandler(IPEndPoint endPoint)
        => Kcp is null ? new SocketsHttpHandler { UseProxy = false } : KcpHttpHandler.Create(endPoint, Kcp);

    // KcpHttpHandler dials the endpoint it was made for; the host of a KCP address is only a label.
    private Uri BaseAddress(IPEndPoint endPoint) => new(Kcp is null ? $"http://{endPoint}/" : "http://kcp.bench/");
}
