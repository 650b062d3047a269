using System.Collections.Concurrent;
using System.Net;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// The KCP endpoints whose last race the fallback won, each until a deadline (<see cref="KcpFallbackOptions.RememberFallbackFor"/>):
/// until then new connections go straight to the fallback; after it, or once KCP wins a race, the entry is gone. One
/// per client (a <see cref="KcpConnectionFactory"/>, an HTTP handler), as .NET keeps its HTTP/3 Alt-Svc state per handler.
/// </summary>
internal sealed class FallbackMemory
{
    // A client dials few endpoints; past this many, expired entries are swept before adding.
    private const int SweepAbove = 256;

    private readonly ConcurrentDictionary<IPEndPoint, DateTimeOffset> _until = new();

    /// <summary>Endpoints remembered now (tests).</summary>
    public int Count => _until.Count;

    /// <summary>True while <paramref name="kcp"/>'s fallback is remembered.</summary>
    public bool UseFallback(IPEndPoint kcp, TimeProvider time)
    {
        if (!_until.TryGetValue(kcp, out DateTimeOffset until))
        {
            return false;
        }

        if (time.GetUtcNow() < until)
        {
            return true;
        }

        // Expired: race again (KCP first), so that connections come back to KCP when UDP gets through again.
        _until.TryRemove(new KeyValuePair<IPEndPoint, DateTimeOffset>(kcp, until));
        return false;
    }

    /// <summary>The fallback won a race to <paramref name="kcp"/>: use it for new connections during <paramref name="lifetime"/>.</summary>
    public void RememberFallback(IPEndPoint kcp, TimeProvider time, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (_until.Count > SweepAbove)
        {
            foreach (KeyValuePair<IPEndPoint, DateTimeOffset> entry in _until)
            {
                if (entry.Value <= now)
                {
                    _until.TryRemove(entry);
                }
            }
        }

        _until[kcp] = now + lifetime;
    }

    /// <summary>KCP answered (or the remembered fallback failed): race again next time.</summary>
    public void Forget(IPEndPoint kcp) => _until.TryRemove(kcp, out _);
}
