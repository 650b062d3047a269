using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Ingress;

/// <summary>
/// Answers a datagram of a conversation the listener does not know with a reset: our close notice of kind
/// <see cref="KcpCloseKind.Reset"/>, sealed with the listener's key, so that a client of ours fails at once (within
/// about one round trip) instead of at its idle timeout, and only a holder of the key can forge one. kcp-go peers
/// count it as an unknown command and go on. Never larger than the datagram that caused it, and at most
/// <c>perSecond</c> a second, so a flood of spoofed datagrams cannot turn the listener into an amplifier.
/// </summary>
internal sealed class ResetSender(UdpSocket socket, PacketProtection protection, KcpCounters counters, int perSecond, KcpClock clock)
{
    private readonly Lock _lock = new();
    private double _tokens = perSecond;
    private long _lastMs = clock.NowMs64;

    /// <summary>Sends a reset for <paramref name="conv"/> to <paramref name="remote"/> if the budget allows.</summary>
    public void Send(uint conv, SocketAddress remote, int causeBytes)
    {
        int payload = protection.HeaderSize + KcpCloseNotice.Size;
        if (payload + protection.TrailerSize > causeBytes || !TryTake())
        {
            return;
        }

        Span<byte> datagram = stackalloc byte[payload];
        datagram.Clear();
        KcpCloseNotice.Write(datagram[protection.HeaderSize..], conv, ts: 0, KcpCloseKind.Reset);
        using SessionProtection sealer = protection.CreateSession();
        socket.Send(sealer.Seal(datagram), remote);
        counters.OnResetSent();
    }

    private bool TryTake()
    {
        if (perSecond <= 0)
        {
            return false;
        }

        lock (_lock)
        {
            long now = clock.NowMs64;
            _tokens = Math.Min(perSecond, _tokens + ((now - _lastMs) * perSecond / 1000.0));
            _lastMs = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
