using System.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.AspNetCore.Tests.Fallback;

/// <summary>
/// The UDP path to a KCP endpoint through a relay that can be blocked: while <see cref="Blocked"/>, every datagram
/// either way is silently dropped, as a firewall that drops UDP does (no ICMP, nothing); unblocked, it forwards.
/// </summary>
internal sealed class UdpPath : IAsyncDisposable
{
    private readonly UdpFaultRelay _relay;
    private volatile bool _blocked;

    public UdpPath(IPEndPoint target, bool blocked)
    {
        _blocked = blocked;
        _relay = new UdpFaultRelay(target, new RelayFaults { DropWhen = (_, _) => _blocked }, seed: 1);
    }

    /// <summary>Where clients send.</summary>
    public IPEndPoint EndPoint => _relay.EndPoint;

    public bool Blocked
    {
        get => _blocked;
        set => _blocked = value;
    }

    /// <summary>Datagrams dropped while blocked (KCP's attempts).</summary>
    public long Dropped => _relay.Dropped;

    public ValueTask DisposeAsync() => _relay.DisposeAsync();
}
