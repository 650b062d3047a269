using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// What follows a decision, for one client: the memory of fallbacks, the connection's selection feature, the
/// <c>kcp.client.connections</c> counter, the log and <see cref="KcpFallbackOptions.OnTransportSelected"/>.
/// </summary>
internal sealed class FallbackReporter(FallbackMemory memory, KcpFallbackOptions options, ILogger logger, Counter<long> connections)
{
    public FallbackMemory Memory => memory;

    public KcpFallbackOptions Options => options;

    public TimeProvider Time { get; } = options.TimeProvider ?? TimeProvider.System;

    /// <summary>Records <paramref name="winner"/> for the connection of <paramref name="selection"/>.</summary>
    public void Decided(TransportSelection selection, IPEndPoint kcp, string fallback, string winner, bool remembered, TimeSpan elapsed)
    {
        bool isKcp = winner == TransportSelection.Kcp;
        string kcpUrl = KcpEndpointUrl.Prefix + kcp;
        if (isKcp)
        {
            memory.Forget(kcp);
            KcpAspNetCoreLog.TransportKcp(logger, kcpUrl, (long)elapsed.TotalMilliseconds);
        }
        else if (remembered)
        {
            KcpAspNetCoreLog.TransportFallbackRemembered(logger, kcpUrl, winner, fallback, options.RememberFallbackFor);
        }
        else
        {
            memory.RememberFallback(kcp, Time, options.RememberFallbackFor);
            KcpAspNetCoreLog.TransportFallback(logger, kcpUrl, (long)options.HeadStart.TotalMilliseconds, winner, fallback, (long)elapsed.TotalMilliseconds, options.RememberFallbackFor);
        }

        selection.Decide(winner, remembered, elapsed);
        connections.Add(1, new KeyValuePair<string, object?>("kcp.transport", isKcp ? "kcp" : "tcp"), new KeyValuePair<string, object?>("kcp.selection", remembered ? "remembered" : "race"));
        try
        {
            options.OnTransportSelected?.Invoke(selection);
        }
        catch (Exception e)
        {
            KcpAspNetCoreLog.TransportSelectedCallbackFailed(logger, e);
        }
    }

    /// <summary>A remembered fallback failed to connect: it is forgotten and KCP raced again.</summary>
    public void RememberedFallbackFailed(IPEndPoint kcp, string fallback, Exception error)
    {
        memory.Forget(kcp);
        KcpAspNetCoreLog.RememberedFallbackFailed(logger, fallback, KcpEndpointUrl.Prefix + kcp, error.Message);
    }

    /// <summary>Neither transport connected.</summary>
    public void Failed(TransportSelection selection, IPEndPoint kcp, string fallback, Exception error)
    {
        KcpAspNetCoreLog.TransportRaceFailed(logger, KcpEndpointUrl.Prefix + kcp, fallback, error.Message);
        selection.Fail(error);
    }
}
