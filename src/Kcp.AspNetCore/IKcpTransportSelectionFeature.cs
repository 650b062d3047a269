using System.Net;

namespace Kcp.AspNetCore;

/// <summary>
/// Which transport a connection of a client with a TCP fallback runs on (SignalR's <c>WithKcp(endPoint, fallbackUrl)</c>,
/// <see cref="KcpHttpHandler.CreateWithTcpFallback"/>): read it with <c>connection.Features.Get&lt;IKcpTransportSelectionFeature&gt;()</c>
/// or receive it through <see cref="KcpFallbackOptions.OnTransportSelected"/>. KCP has no handshake, so the choice
/// is made during the connection's first exchange: until then <see cref="Transport"/> is null and
/// <see cref="Selected"/> is pending.
/// </summary>
public interface IKcpTransportSelectionFeature
{
    /// <summary>The KCP endpoint the client dials first.</summary>
    EndPoint KcpEndPoint { get; }

    /// <summary>
    /// <c>kcp</c>, or the fallback that carries the connection: <c>websockets</c>, <c>serversentevents</c> or
    /// <c>longpolling</c> (SignalR's HTTP transports), <c>tcp</c> (an <c>HttpClient</c> connection); null until decided.
    /// </summary>
    string? Transport { get; }

    /// <summary>True when the fallback carries the connection (false while undecided).</summary>
    bool IsFallback { get; }

    /// <summary>True when a fallback remembered from an earlier race was used without racing KCP.</summary>
    bool IsRemembered { get; }

    /// <summary>From the start of the connect to the decision.</summary>
    TimeSpan DecisionTime { get; }

    /// <summary>Completes when the transport is decided; faults when neither transport could connect.</summary>
    Task Selected { get; }
}
