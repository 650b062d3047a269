using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Sessions;

/// <summary>
/// The way out of a session: each datagram (a data or parity shard, or an out-of-band datagram) passes the <see cref="AmplificationGuard"/>, is
/// sealed by the session's protection and queued in the batch of whoever holds the session lock, to leave once the
/// lock is released. Where the protection allows it, only the nonce is written under the lock; checksum and encryption
/// run when the batch leaves (<see cref="DeferredSeal"/>). Guarded by the session's lock.
/// </summary>
internal sealed class DatagramSender(SessionContext context, SessionLock sessionLock, SessionProtection protection, AmplificationGuard guard, SocketAddress remote)
{
    private readonly DeferredSeal _deferredSeal = new(context.Protection);

    /// <summary>When the first datagram left (on the runtime's <see cref="KcpClock"/>), 0 before: a dialed session's connect timeout counts from it.</summary>
    public long FirstSentMs { get; private set; }

    /// <summary>Seals and queues one datagram, unless the amplification budget of an unvalidated address forbids it.</summary>
    public void Transmit(Span<byte> datagram)
    {
        long nowMs = context.Clock.NowMs64;
        if (!guard.MaySend(datagram.Length + context.Protection.TrailerSize, nowMs))
        {
            context.Counters.OnDropped(PacketDropReason.AmplificationLimit);
            return;
        }

        Queue(datagram, nowMs);
    }

    /// <summary>
    /// Seals and queues an out-of-band datagram when the amplification budget has room for it (no probe) and, while the
    /// stream waits for budget (<paramref name="streamWaiting"/>), one full datagram of the stream besides; false,
    /// counted, when it has not.
    /// </summary>
    public bool TryTransmitOob(Span<byte> datagram, bool streamWaiting)
    {
        if (!guard.FitsBudget(datagram.Length + context.Protection.TrailerSize, reserve: streamWaiting ? context.Options.Mtu : 0))
        {
            context.Counters.OnDropped(PacketDropReason.OobAmplificationLimit);
            return false;
        }

        Queue(datagram, context.Clock.NowMs64);
        return true;
    }

    private void Queue(Span<byte> datagram, long nowMs)
    {
        if (FirstSentMs == 0)
        {
            FirstSentMs = nowMs;
        }

        SendBatch? batch = sessionLock.Batch;
        if (batch is not null && protection.TryBeginSeal(datagram))
        {
            // The rest of the sealing runs when the batch leaves, after the lock is released.
            guard.OnSent(datagram.Length);
            batch.Add(context.Socket, datagram, remote, _deferredSeal);
            return;
        }

        ReadOnlySpan<byte> wire = protection.Seal(datagram);
        guard.OnSent(wire.Length);
        if (batch is not null)
        {
            batch.Add(context.Socket, wire, remote);
        }
        else
        {
            context.Socket.Send(wire, remote);
        }
    }

    /// <summary>Application bytes <paramref name="engine"/> may take now (the amplification budget of an unvalidated address).</summary>
    public long Allowance(KcpControlBlock engine)
        => guard.Allowance(
            anyInFlight: engine.WaitSnd > 0,
            headerBytes: engine.Reserved + ((engine.PendingAcks + 1L) * KcpControlBlock.Overhead) + context.Protection.TrailerSize,
            engine.Mss);
}
