using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Kcp.AspNetCore.Internal;
using Kcp.AspNetCore.Internal.Fallback;
using Kcp.Transport;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore;

/// <summary>
/// Lets a plain <see cref="HttpClient"/> (or gRPC's <c>GrpcChannel</c>, or an <c>AddHttpClient</c> client through
/// <c>UseKcp</c>) speak HTTP to a Kestrel KCP endpoint: the handler's <see cref="SocketsHttpHandler.ConnectCallback"/>
/// dials a KCP session instead of a TCP connection, or, with <see cref="KcpOptions.Smux"/>, opens an smux stream over
/// one KCP session per server; everything above it is <see cref="SocketsHttpHandler"/>'s.
/// </summary>
/// <remarks>
/// <para>HTTP/1.1 is the default: one request at a time per KCP session, several sessions for concurrent requests.</para>
/// <para>HTTP/2 without TLS (h2c, for an endpoint whose <c>Protocols</c> is <c>Http2</c>): ask for it exactly, with
/// <c>http://</c> URIs, <see cref="HttpClient.DefaultRequestVersion"/> = <see cref="System.Net.HttpVersion.Version20"/> and
/// <see cref="HttpClient.DefaultVersionPolicy"/> = <see cref="HttpVersionPolicy.RequestVersionExact"/> (gRPC's
/// channel does this itself). Concurrent requests are then streams of one KCP session
/// (<see cref="SocketsHttpHandler.EnableMultipleHttp2Connections"/> opens more when the server's stream limit is reached).</para>
/// <para>TLS (an endpoint with <c>UseHttps</c> or a <c>Certificate</c>): use <c>https://</c> URIs; the host name is
/// checked against the certificate unless <see cref="SocketsHttpHandler.SslOptions"/> says otherwise, and ALPN picks
/// h2 when the request asks for HTTP/2 (<see cref="HttpVersionPolicy.RequestVersionOrHigher"/>).</para>
/// </remarks>
public static class KcpHttpHandler
{
    /// <summary>
    /// A handler whose every connection is a KCP session to <paramref name="kcpEndPoint"/>, whatever host the request
    /// URI names (use <c>http://</c> and any host; HTTPS works too, as TLS over the KCP stream).
    /// </summary>
    public static SocketsHttpHandler Create(IPEndPoint kcpEndPoint, KcpOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(kcpEndPoint);
        KcpOptions validated = Validated(options);
        SmuxSessionPool? pool = SmuxPool(validated, loggerFactory);
        return CreateHandler((_, cancellationToken) => ConnectAsync(kcpEndPoint, validated, pool, loggerFactory, cancellationToken));
    }

    /// <summary>A handler that dials a KCP session to the host and port of each request URI (resolved with DNS when it is a name).</summary>
    public static SocketsHttpHandler Create(KcpOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        KcpOptions validated = Validated(options);
        SmuxSessionPool? pool = SmuxPool(validated, loggerFactory);
        return CreateHandler(async (context, cancellationToken) =>
        {
            DnsEndPoint target = context.DnsEndPoint;
            if (!IPAddress.TryParse(target.Host, out IPAddress? address))
            {
                IPAddress[] addresses = await Dns.GetHostAddressesAsync(target.Host, cancellationToken).ConfigureAwait(false);
                address = addresses.Length > 0
                    ? addresses[0]
                    : throw new SocketException((int)SocketError.HostNotFound);
            }

            return await ConnectAsync(new IPEndPoint(address, target.Port), validated, pool, loggerFactory, cancellationToken).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// A handler for networks that may block UDP: each connection races a KCP session to <paramref name="kcpEndPoint"/>
    /// against a TCP connection to the request URI's host and port (so set <see cref="HttpClient.BaseAddress"/> to the
    /// server's TCP address, e.g. <c>http://api.example:5080</c>), as happy eyeballs races IPv6 against IPv4. KCP goes
    /// first; TCP is dialed when KCP has not answered within <see cref="KcpFallbackOptions.HeadStart"/> (250 ms), and
    /// the connection is the winner's; the other is closed. The first bytes of the connection (the request's headers,
    /// or TLS's ClientHello) are sent over KCP at once and again over TCP if TCP wins. A TCP win is remembered for
    /// <see cref="KcpFallbackOptions.RememberFallbackFor"/>: meanwhile connections dial TCP alone, then KCP is raced
    /// again. The server must serve the same application on both endpoints. Which transport won:
    /// <see cref="KcpFallbackOptions.OnTransportSelected"/>, log events 16 and 17, the <c>kcp.client.connections</c> counter.
    /// </summary>
    /// <param name="kcpEndPoint">The KCP endpoint every connection tries first.</param>
    /// <param name="options">The KCP settings (crypt, key, FEC), which must match the server's; default settings when null.</param>
    /// <param name="fallback">The race's settings; defaults when null.</param>
    /// <param name="loggerFactory">Logs the transport chosen (category <c>Kcp.AspNetCore</c>) and the sessions.</param>
    /// <param name="meterFactory">The meter of <c>kcp.client.connections</c> and the sessions' instruments; the static meter when null.</param>
    /// <returns>The handler.</returns>
    /// <exception cref="ArgumentException">The KCP or fallback settings are invalid; the message names each.</exception>
    public static SocketsHttpHandler CreateWithTcpFallback(
        IPEndPoint kcpEndPoint,
        KcpOptions? options = null,
        KcpFallbackOptions? fallback = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(kcpEndPoint);
        KcpOptions validated = Validated(options);
        KcpFallbackOptions race = fallback?.Clone() ?? new KcpFallbackOptions();
        race.Validate();
        var connector = new HttpFallbackConnector(kcpEndPoint, validated, SmuxPool(validated, loggerFactory), race, loggerFactory, meterFactory);
        return CreateHandler(connector.ConnectAsync);
    }

    private static KcpOptions Validated(KcpOptions? options)
    {
        KcpOptions copy = options?.Clone() ?? new KcpOptions();
        copy.Validate();
        return copy;
    }

    private static SocketsHttpHandler CreateHandler(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect)
        => new()
        {
            ConnectCallback = connect,
            // KCP has no FIN: a pooled connection the server dropped is only noticed by its idle timeout, so keep
            // pooled connections for less than the server's keep-alive and KCP idle timeouts.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
        };

    // With smux every HTTP connection is a stream over one KCP session per server; the handler cannot be told when it is
    // disposed, so the pool's idle timeout (as long as the pooled connections') closes sessions nobody uses.
    private static SmuxSessionPool? SmuxPool(KcpOptions options, ILoggerFactory? loggerFactory)
        => options.Smux is null ? null : new SmuxSessionPool(loggerFactory, meterFactory: null, TimeSpan.FromSeconds(30));

    private static async ValueTask<Stream> ConnectAsync(IPEndPoint target, KcpOptions options, SmuxSessionPool? pool, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        if (pool is not null)
        {
            (KcpSmuxStream stream, SmuxSessionPool.Entry entry) = await pool.OpenStreamAsync(target, options, cancellationToken).ConfigureAwait(false);
            return new KcpSessionStream(stream, entry.OnStreamClosed);
        }

        KcpSession session = await KcpClient.ConnectAsync(target, options, loggerFactory, cancellationToken).ConfigureAwait(false);
        return new KcpSessionStream(session);
    }
}
