using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Ingress;

/// <summary>
/// A listener's socket: sessions keyed by the remote address exactly as kcp-go's listener keys them (kcp-wire.md §5.2),
/// and the admission rules a datagram from a new address must pass to open one (README "Security"). Lookup and
/// creation are one step under one lock: two receive loops never open two sessions for one address.
/// </summary>
internal sealed class ListenerIngress : DatagramIngress, IPacketHandlerOwner
{
    private readonly KcpOptions _options;
    private readonly IPEndPoint _localEndPoint;
    private readonly ISessionAcceptor _acceptor;
    private readonly Admission _admission;
    private readonly ResetSender _resets;
    private readonly KcpClock _clock;
    private readonly Dictionary<SocketAddress, IPacketHandler> _sessions = [];
    private readonly Lock _lock = new();
    private readonly LogRateLimiter _refusedLog = new(10_000);
    private readonly bool _datagramsOpenSessions;

    public ListenerIngress(KcpOptions options, UdpSocket socket, ISessionAcceptor acceptor, PacketProtection protection, KcpCounters counters, ILogger logger, KcpClock clock)
        : base(protection, counters, logger)
    {
        _clock = clock;
        _options = options;
        _localEndPoint = socket.LocalEndPoint;
        _acceptor = acceptor;
        _admission = new Admission(options.Security, options.MaxSessions, counters);
        _resets = new ResetSender(socket, protection, counters, options.Security.ResetsPerSecond, clock);
        _datagramsOpenSessions = CipherRegistry.TryGet(options.Crypt, out CipherDescriptor? cipher) && cipher.RequiresKey;
    }

    /// <summary>Sessions open now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Sessions whose peer address is not validated yet.</summary>
    public int UnvalidatedCount
    {
        get
        {
            lock (_lock)
            {
                return _admission.UnvalidatedCount;
            }
        }
    }

    /// <summary>Adds every open session to <paramref name="target"/>.</summary>
    public void CopySessions(List<IPacketHandler> target)
    {
        lock (_lock)
        {
            target.AddRange(_sessions.Values);
        }
    }

    void IPacketHandlerOwner.OnValidated(IPacketHandler handler)
    {
        lock (_lock)
        {
            _admission.OnValidated(handler);
        }
    }

    void IPacketHandlerOwner.OnClosed(IPacketHandler handler, KcpCloseReason reason)
    {
        long nowMs = _clock.NowMs64;
        lock (_lock)
        {
            // Only forget the address if it still maps to this session (a replacement may already own it).
            if (_sessions.TryGetValue(handler.RemoteAddress, out IPacketHandler? current) && ReferenceEquals(current, handler))
            {
                _sessions.Remove(handler.RemoteAddress);
            }

            _admission.OnClosed(handler, reason, nowMs);
        }
    }

    /// <inheritdoc/>
    protected override IPacketHandler? Find(SocketAddress remote)
    {
        lock (_lock)
        {
            return _sessions.GetValueOrDefault(remote);
        }
    }

    /// <inheritdoc/>
    protected override void Route(in InboundPacket packet, SocketAddress remote, ReceiveTurn turn)
    {
        IPacketHandler? session;
        lock (_lock)
        {
            session = _sessions.GetValueOrDefault(remote);
        }

        // The common case: a datagram of a known session's conversation (or one without a readable conv, such as a
        // parity shard, which the session's decoder sorts out). The engine checks every segment's conv itself.
        if (session is not null && (!packet.TryGetConversation(out uint first) || first == session.Conversation))
        {
            session.Receive(packet, turn);
            return;
        }

        Admit(packet, remote, turn);
    }

    /// <summary>A datagram from an address without a session, or with a session of another conversation.</summary>
    private void Admit(in InboundPacket packet, SocketAddress remote, ReceiveTurn turn)
    {
        // The nonce is authenticated once opened; nothing before this point updates replay state.
        if (Protection.IsReflected(packet.Datagram))
        {
            Drop(PacketDropReason.Reflected, remote);
            return;
        }

        uint conv = 0;
        bool valid = KcpPacketValidator.TryValidate(packet.Kcp, out conv);
        bool freshPush = false, pushSn0 = false, hasReceived = false;
        uint pushTs = 0;
        if (valid)
        {
            KcpPacketValidator.ScanPushes(packet.Kcp, (uint)_options.ReceiveWindow, out freshPush, out pushSn0, out hasReceived, out pushTs);
        }
        else if (packet.IsOob && _datagramsOpenSessions)
        {
            // kcp-go's listener opens a session for an out-of-band datagram too (its payload is lost there: no handler is
            // registered yet; ours is queued). Only with a keyed cipher: without one anybody can make such a datagram,
            // and there is no PUSH whose freshness would show a new conversation (README "Unreliable datagrams").
            valid = freshPush = packet.TryGetConversation(out conv);
        }

        IPacketHandler? session;
        IPacketHandler? replaced = null;
        PacketDropReason? refused = null;
        Admission.Decision decision = default;
        bool created = false;
        bool limitReached = false;
        long nowMs = _clock.NowMs64;
        lock (_lock)
        {
            _sessions.TryGetValue(remote, out session);
            if (session is not null && valid && conv != session.Conversation)
            {
                // kcp-go: a new conv starting at sn 0 from a known address is a restarted client; it replaces the
                // session. We require a PUSH with sn 0 (not just any first segment) of a new conversation (una 0), a
                // conv not closed recently and, with aes-128-gcm, a nonce never seen (a replayed old first datagram
                // cannot take the address over).
                // A takeover opens a session like any other: the same admission limits apply, or a flood of new
                // conversations from one address would open sessions as fast as it sends.
                refused = !pushSn0 ? PacketDropReason.UnknownConversation
                    : _admission.IsTombstoned(remote, conv, nowMs) ? PacketDropReason.Tombstoned
                    : hasReceived ? PacketDropReason.NotFresh
                    : CheckAndClaim(packet, remote, conv, pushTs, nowMs, out decision);
                if (refused is null)
                {
                    replaced = session;
                    _sessions.Remove(remote);
                    session = null;
                }
            }
            else if (session is null)
            {
                refused = !valid ? (packet.IsFec || packet.IsOob ? PacketDropReason.NoSession : PacketDropReason.Malformed)
                    : _admission.IsTombstoned(remote, conv, nowMs) ? PacketDropReason.Tombstoned
                    : !freshPush || hasReceived ? PacketDropReason.NotFresh
                    : !_acceptor.IsAccepting || _sessions.Count >= _options.MaxSessions ? PacketDropReason.Refused
                    : _acceptor.Pending >= _options.AcceptBacklog ? PacketDropReason.BacklogFull
                    : CheckAndClaim(packet, remote, conv, pushTs, nowMs, out decision);
            }

            if (session is null && refused is null)
            {
                SocketAddress address = remote.Clone();
                session = _acceptor.Create(conv, address);
                _sessions[address] = session;
                _admission.Admit(session, decision, nowMs);
                created = true;
                limitReached = _sessions.Count == _options.MaxSessions;
            }
        }

        // The session whose place the new one took: closed outside the lock (it calls back), as a replaced one is.
        decision.Victim?.Close(KcpCloseReason.Evicted);
        replaced?.Close(KcpCloseReason.Replaced);
        if (refused is PacketDropReason.NotFresh or PacketDropReason.Tombstoned && session is null)
        {
            // A conversation we do not know, from a peer that believes in it: our own restart, or a session that closed.
            _resets.Send(conv, remote, packet.WireLength);
        }

        if (refused is { } reason)
        {
            if (reason is PacketDropReason.Refused or PacketDropReason.BacklogFull or PacketDropReason.UnvalidatedLimit or PacketDropReason.RateLimited)
            {
                Refuse(reason);
            }
            else
            {
                Drop(reason, remote);
            }

            return;
        }

        if (!created)
        {
            // An invalid part for a known session: the session counts what its engine rejects.
            session!.Receive(packet, turn);
            return;
        }

        Counters.OnSessionOpened(passive: true);
        KcpTransportLog.SessionOpened(Logger, conv, remote.ToIPEndPoint(), "passive");
        if (limitReached)
        {
            KcpTransportLog.SessionLimitReached(Logger, _localEndPoint, _options.MaxSessions);
        }

        session!.Start();
        session.Receive(packet, turn);
        if (!_acceptor.TryEnqueue(session))
        {
            session.Close(KcpCloseReason.TransportClosed);
            Refuse(PacketDropReason.BacklogFull);
        }
    }

    /// <summary>
    /// Admission's decision for a new conversation, then (aes-128-gcm) the claim of its salt and nonce: only a datagram
    /// admission accepts registers them, so a refused client's retransmission, with the same salt, can still get in.
    /// </summary>
    private PacketDropReason? CheckAndClaim(in InboundPacket packet, SocketAddress remote, uint conv, uint pushTs, long nowMs, out Admission.Decision decision)
    {
        decision = _admission.Check(remote, conv, pushTs, _sessions.Count, nowMs);
        PacketDropReason? refused = decision.Refused ?? Claim(packet, nowMs);
        if (refused is not null)
        {
            decision = default;
        }

        return refused;
    }

    /// <summary>aes-128-gcm: a new session's first datagram must carry a salt and nonce never seen (replays from other addresses).</summary>
    private PacketDropReason? Claim(in InboundPacket packet, long nowMs)
        => Protection.AdmitNewPeer(packet.Datagram, nowMs) switch
        {
            PacketVerdict.Accepted => null,
            PacketVerdict.Reflected => PacketDropReason.Reflected,
            _ => PacketDropReason.Replayed,
        };

    private void Refuse(PacketDropReason reason)
    {
        Counters.OnDropped(reason);
        if (_refusedLog.TryAcquire())
        {
            KcpTransportLog.SessionsRefused(Logger, reason, Counters.Dropped(reason));
        }
    }
}
