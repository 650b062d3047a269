using System.Diagnostics.Metrics;
using System.Net;
using System.Threading.Channels;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport;

/// <summary>
/// Serves KCP sessions on one UDP socket. Sessions are keyed by the remote address exactly as kcp-go's listener
/// keys them (kcp-wire.md §5.2); new sessions wait in a bounded accept backlog for <see cref="AcceptAsync"/>.
/// </summary>
public sealed class KcpListener : IAsyncDisposable, IDatagramHandler, IKcpSessionOwner
{
    private readonly KcpOptions _options;
    private readonly KcpUdpSocket _socket;
    private readonly PacketProtection _protection;
    private readonly KcpAdmission _admission;
    private readonly ILogger _logger;
    private readonly KcpCounters _counters;
    private readonly Dictionary<SocketAddress, KcpSession> _sessions = [];
    private readonly Lock _sessionsLock = new();
    private readonly Channel<KcpSession> _backlog;
    private readonly LogRateLimiter _checksumLog = new(10_000);
    private readonly LogRateLimiter _refusedLog = new(10_000);
    private readonly LogRateLimiter _dropLog = new(1_000);
    private volatile bool _accepting = true;
    private int _disposed;

    private KcpListener(KcpOptions options, KcpUdpSocket socket, KcpCounters counters, PacketProtection protection, ILogger logger)
    {
        _counters = counters;   // the socket's counters: one set for datagrams and drops
        _options = options;
        _counters = counters;
        _socket = socket;
        _protection = protection;
        _logger = logger;
        _admission = new KcpAdmission(options.Security);
        _backlog = Channel.CreateBounded<KcpSession>(new BoundedChannelOptions(options.AcceptBacklog)
        {
            SingleWriter = false,
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The bound address (the real port when port 0 was requested).</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Sessions currently open on this listener.</summary>
    public int SessionCount
    {
        get
        {
            lock (_sessionsLock)
            {
                return _sessions.Count;
            }
        }
    }

    internal KcpCounters Counters => _counters;

    internal KcpOptions Options => _options;

    /// <summary>This listener's counters now, its open and closed sessions included (kcp-go's Snmp for one listener).</summary>
    public KcpMetricsSnapshot GetMetricsSnapshot() => _counters.GetSnapshot();

    /// <summary>Sessions whose peer address is not validated yet.</summary>
    internal int UnvalidatedSessionCount
    {
        get
        {
            lock (_sessionsLock)
            {
                return _admission.UnvalidatedCount;
            }
        }
    }

    KcpUdpSocket IKcpSessionOwner.Socket => _socket;

    KcpCounters IKcpSessionOwner.Counters => _counters;

    ILogger IKcpSessionOwner.Logger => _logger;

    /// <summary>
    /// Binds a UDP socket and starts serving. Invalid options throw an <see cref="ArgumentException"/> naming the
    /// setting. Metrics go to a meter from <paramref name="meterFactory"/> when given, else to the shared static meter.
    /// </summary>
    public static KcpListener Bind(IPEndPoint endPoint, KcpOptions? options = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options = options?.Clone() ?? new KcpOptions();
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpTransportLog.Category);
        PacketProtection protection = CipherRegistry.Create(
            options.Crypt,
            KcpCrypt.DeriveKey(options.Key ?? string.Empty),
            options.Security.ToProtectionSettings(count => KcpTransportLog.NonceBudgetWarning(logger, count)));
        var counters = new KcpCounters();
        KcpUdpSocket socket;
        try
        {
            socket = KcpUdpSocket.Bind(endPoint, options, counters, logger);
        }
        catch
        {
            protection.Dispose();
            throw;
        }

        var listener = new KcpListener(options, socket, counters, protection, logger);
        counters.Attach(KcpInstruments.For(meterFactory), socket.LocalEndPoint, listener.CopySessions);
        int loops = Math.Max(options.ReceiveLoops, 1);
        socket.StartReceiving(listener, loops);
        KcpTransportLog.ListenerBound(logger, socket.LocalEndPoint);
        return listener;
    }

    /// <summary>Waits for the next new session; returns null once the listener stopped accepting or was disposed.</summary>
    public async ValueTask<KcpSession?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _backlog.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_backlog.Reader.TryRead(out KcpSession? session))
            {
                return session;
            }
        }

        return null;
    }

    /// <summary>Stops creating sessions; sessions already accepted keep working on the shared socket. Sessions waiting in the backlog are closed.</summary>
    public void StopAccepting()
    {
        _accepting = false;
        if (_backlog.Writer.TryComplete())
        {
            while (_backlog.Reader.TryRead(out KcpSession? pending))
            {
                pending.Close(KcpCloseReason.TransportClosed, new KcpSessionClosedException(KcpCloseReason.TransportClosed));
            }
        }
    }

    /// <summary>Stops accepting, closes every session and the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopAccepting();
        KcpSession[] open;
        lock (_sessionsLock)
        {
            open = [.. _sessions.Values];
        }

        foreach (KcpSession session in open)
        {
            session.Close(KcpCloseReason.TransportClosed, new KcpSessionClosedException(KcpCloseReason.TransportClosed));
        }

        _socket.Dispose();
        await _socket.Completion.ConfigureAwait(false);
        _protection.Dispose();
        _counters.Detach();
        KcpTransportLog.ListenerClosed(_logger, _socket.LocalEndPoint, _counters.PassiveOpens, _counters.InPackets, _counters.DroppedTotal);
    }

    private void CopySessions(List<KcpSession> target)
    {
        lock (_sessionsLock)
        {
            target.AddRange(_sessions.Values);
        }
    }

    void IDatagramHandler.OnDatagram(Span<byte> datagram, SocketAddress remote)
    {
        if (!PacketLayout.TryOpen(_protection, datagram, out Span<byte> packet, out PacketDropReason openFailure))
        {
            if (openFailure == PacketDropReason.BadChecksum)
            {
                OnChecksumError(remote);
            }
            else
            {
                Drop(openFailure, remote);
            }

            return;
        }

        // The datagram is authenticated once Open succeeded; nothing before this point updates replay state.
        if (_protection.IsReflected(datagram))
        {
            Drop(PacketDropReason.Reflected, remote);
            return;
        }

        uint conv = 0;
        bool valid = KcpPacketInspector.TryGetKcpPart(packet, out ReadOnlySpan<byte> kcp)
            && KcpPacketInspector.TryValidate(kcp, out conv, out _, out _);
        bool freshPush = false, pushSn0 = false;
        if (valid)
        {
            KcpPacketInspector.ScanPushes(kcp, (uint)_options.ReceiveWindow, out freshPush, out pushSn0);
        }

        KcpSession? session;
        KcpSession? replaced = null;
        PacketDropReason? refused = null;
        bool created = false;
        bool limitReached = false;
        long nowMs = KcpClock.NowMs64;

        // Lookup and creation are one step: two receive loops must never open two sessions for one address.
        lock (_sessionsLock)
        {
            _sessions.TryGetValue(remote, out session);
            if (session is not null && valid && conv != session.Conversation)
            {
                // kcp-go: a new conv starting at sn 0 from a known address is a restarted client; it replaces the
                // session. We require a PUSH with sn 0 (not just any first segment), a conv not closed recently and,
                // with aes-128-gcm, a nonce never seen (a replayed old first datagram cannot take the address over).
                refused = !pushSn0 ? PacketDropReason.UnknownConversation
                    : _admission.IsTombstoned(remote, conv, nowMs) ? PacketDropReason.Tombstoned
                    : PacketLayout.Refusal(_protection.AdmitNewPeer(datagram, nowMs));
                if (refused is null)
                {
                    replaced = session;
                    _sessions.Remove(remote);
                    session = null;
                }
            }
            else if (session is null)
            {
                refused = !valid ? (KcpPacketInspector.IsFec(packet, out _) ? PacketDropReason.NoSession : PacketDropReason.Malformed)
                    : _admission.IsTombstoned(remote, conv, nowMs) ? PacketDropReason.Tombstoned
                    : !freshPush ? PacketDropReason.NotFresh
                    : !_accepting || _sessions.Count >= _options.MaxSessions ? PacketDropReason.Refused
                    : _backlog.Reader.Count >= _options.AcceptBacklog ? PacketDropReason.BacklogFull
                    : _admission.CheckNewSession(remote, nowMs)
                    ?? PacketLayout.Refusal(_protection.AdmitNewPeer(datagram, nowMs));
            }

            if (session is null && refused is null)
            {
                SocketAddress address = remote.Clone();
                session = new KcpSession(conv, _options, this, address, _protection, passive: true);
                _sessions[address] = session;
                _admission.OnCreated(session);
                created = true;
                limitReached = _sessions.Count == _options.MaxSessions;
            }
        }

        replaced?.Close(KcpCloseReason.Replaced, new KcpSessionClosedException(KcpCloseReason.Replaced));
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
            // Packets without a readable conv (parity shards) and packets of this conv; the session counts malformed ones.
            session!.OnPacket(packet, datagram, datagram.Length);
            return;
        }

        _counters.OnSessionOpened(passive: true);
        KcpTransportLog.SessionOpened(_logger, conv, session!.RemoteEndPoint, "passive");
        if (limitReached)
        {
            KcpTransportLog.SessionLimitReached(_logger, _socket.LocalEndPoint, _options.MaxSessions);
        }

        session.Start();
        session.OnPacket(packet, datagram, datagram.Length);
        if (!_backlog.Writer.TryWrite(session))
        {
            session.Close(KcpCloseReason.TransportClosed, new KcpSessionClosedException(KcpCloseReason.TransportClosed));
            Refuse(PacketDropReason.BacklogFull);
        }
    }

    void IKcpSessionOwner.OnSessionValidated(KcpSession session)
    {
        lock (_sessionsLock)
        {
            _admission.OnValidated(session);
        }
    }

    void IKcpSessionOwner.OnSessionClosed(KcpSession session)
    {
        long nowMs = KcpClock.NowMs64;
        lock (_sessionsLock)
        {
            // Only forget the address if it still maps to this session (a replacement may already own it).
            if (_sessions.TryGetValue(session.RemoteAddress, out KcpSession? current) && ReferenceEquals(current, session))
            {
                _sessions.Remove(session.RemoteAddress);
            }

            _admission.OnClosed(session, nowMs);
        }
    }

    private void OnChecksumError(SocketAddress remote)
    {
        _counters.OnDropped(PacketDropReason.BadChecksum);
        KcpSession? session;
        lock (_sessionsLock)
        {
            _sessions.TryGetValue(remote, out session);
        }

        session?.OnChecksumError();
        if (_checksumLog.TryAcquire())
        {
            KcpTransportLog.ChecksumFailures(_logger, remote.ToIPEndPoint(), _counters.InChecksumErrors);
        }
    }

    private void Drop(PacketDropReason reason, SocketAddress remote)
    {
        _counters.OnDropped(reason);
        if (_dropLog.TryAcquire() && _logger.IsEnabled(LogLevel.Debug))
        {
            KcpTransportLog.DatagramDropped(_logger, remote.ToIPEndPoint(), reason, _counters.Dropped(reason));
        }
    }

    private void Refuse(PacketDropReason reason)
    {
        _counters.OnDropped(reason);
        if (_refusedLog.TryAcquire())
        {
            KcpTransportLog.SessionsRefused(_logger, reason, _counters.Dropped(reason));
        }
    }
}
