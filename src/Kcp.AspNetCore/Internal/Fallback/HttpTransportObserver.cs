using System.Net.Http.Headers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// Tells which of SignalR's HTTP transports a fallback connection settled on, which <c>HttpConnection</c> does not
/// expose: long polling says so through its keep-alive feature; server-sent events are the GET for
/// <c>text/event-stream</c> this handler sees; otherwise it is WebSockets, the remaining one.
/// </summary>
internal sealed class HttpTransportObserver
{
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private volatile bool _sawEventStream;

    /// <summary>Puts the observer under <paramref name="inner"/>'s caller.</summary>
    public HttpMessageHandler Wrap(HttpMessageHandler inner) => new Observer(this, inner);

    /// <summary>The transport's name, as HttpTransportType names it, lower case.</summary>
    public string TransportName(ConnectionContext connection)
        => connection.Features.Get<IConnectionInherentKeepAliveFeature>()?.HasInherentKeepAlive == true ? "longpolling"
            : _sawEventStream ? "serversentevents"
            : "websockets";

    private sealed class Observer(HttpTransportObserver owner, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Get && request.Headers.Accept.Contains(EventStream))
            {
                owner._sawEventStream = true;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
