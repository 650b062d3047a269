using System.Diagnostics;

namespace Kcp.Transport.Diagnostics;

/// <summary>
/// Cumulative counters of one listener or one client socket, named after kcp-go's SNMP counters. Socket-level counts
/// are written with interlocked increments from the receive loops and the scheduler; session-level counts (segments,
/// retransmissions, FEC) stay in each session and are added here once, when the session closes. Snapshots sum both.
/// </summary>
internal sealed class KcpCounters
{
    private long _inPackets;
    private long _processedPackets;
    private long _outPackets;
    private long _inBytes;
    private long _outBytes;
    private long _inErrors;
    private long _inChecksumErrors;
    private long _kcpInErrors;
    private long _activeOpens;
    private long _passiveOpens;
    private long _currentEstablished;
    private long _maxEstablished;
    private long _resetsSent;
    private long _sessionsEvicted;
    private long _retriedAdmissions;
    private long _admissionTightened;
    private readonly long[] _drops = new long[PacketDropReasonNames.Count];

    // Guards _closedSessions and the sessions' "folded" flags, so a snapshot sees each session exactly once.
    private readonly Lock _foldLock = new();
    private KcpMetricsSnapshot _closedSessions;
    private Action<List<ISessionCounters>>? _liveSessions;
    private KeyValuePair<string, object?>[] _tags = [];
    private bool _private;

    /// <summary>The instruments this source reports to (the shared meter until <see cref="Attach"/>).</summary>
    public KcpInstruments Instruments { get; private set; } = KcpInstruments.Shared;

    /// <summary>True for a listener, false for a dialed session's socket.</summary>
    public bool IsListener { get; private set; }

    /// <summary>The listener's bound address (null for clients).</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>The endpoint tags every measurement of this source carries.</summary>
    public ReadOnlySpan<KeyValuePair<string, object?>> Tags => _tags;

    public long InPackets => Volatile.Read(ref _inPackets);

    /// <summary>
    /// Received datagrams whose handling has finished, their receive turn's deferred work included (one add per turn):
    /// what tests wait for instead of sleeping after they send (<see cref="InPackets"/> counts a datagram before).
    /// </summary>
    public long ProcessedPackets => Volatile.Read(ref _processedPackets);
    public long OutPackets => Volatile.Read(ref _outPackets);
    public long InBytes => Volatile.Read(ref _inBytes);
    public long OutBytes => Volatile.Read(ref _outBytes);
    public long InErrors => Volatile.Read(ref _inErrors);
    public long ResetsSent => Volatile.Read(ref _resetsSent);
    public long InChecksumErrors => Volatile.Read(ref _inChecksumErrors);
    public long KcpInErrors => Volatile.Read(ref _kcpInErrors);
    public long ActiveOpens => Volatile.Read(ref _activeOpens);
    public long PassiveOpens => Volatile.Read(ref _passiveOpens);
    public long CurrentEstablished => Volatile.Read(ref _currentEstablished);
    public long MaxEstablished => Volatile.Read(ref _maxEstablished);
    public long SessionsEvicted => Volatile.Read(ref _sessionsEvicted);
    public long RetriedAdmissions => Volatile.Read(ref _retriedAdmissions);
    public long AdmissionTightened => Volatile.Read(ref _admissionTightened);

    public long Dropped(PacketDropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    public long DroppedTotal
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _drops.Length; i++)
            {
                sum += Volatile.Read(ref _drops[i]);
            }

            return sum;
        }
    }

    /// <summary>
    /// Names this source for metrics and registers it, so observable instruments and <see cref="MetricsRegistry.GetSnapshot"/>
    /// see it. <paramref name="liveSessions"/> lists the open sessions (their counts are not here until they close).
    /// </summary>
    public void Attach(KcpInstruments? instruments, IPEndPoint? listenerEndPoint, Action<List<ISessionCounters>> liveSessions)
    {
        Instruments = instruments ?? KcpInstruments.Shared;
        IsListener = listenerEndPoint is not null;
        EndPoint = listenerEndPoint;
        _liveSessions = liveSessions;
        _tags = listenerEndPoint is null
            ? [new(KcpInstruments.RoleTag, "client")]
            : [
                new(KcpInstruments.RoleTag, "listener"),
                new("server.address", listenerEndPoint.Address.ToString()),
                new("server.port", listenerEndPoint.Port),
            ];
        MetricsRegistry.Register(this);
    }

    /// <summary>Keeps this source out of every total and instrument (the start-up warm-up's private sockets); call before any session opens.</summary>
    public void KeepPrivate() => _private = true;

    /// <summary>Unregisters the source; its final totals stay in the process-wide (and, for clients, the client) totals.</summary>
    public void Detach() => MetricsRegistry.Unregister(this);

    public void OnReceived(int bytes)
    {
        Interlocked.Increment(ref _inPackets);
        Interlocked.Add(ref _inBytes, bytes);
    }

    /// <summary>A receive turn ended: its datagrams are processed.</summary>
    public void OnProcessed(int datagrams)
    {
        if (datagrams > 0)
        {
            Interlocked.Add(ref _processedPackets, datagrams);
        }
    }

    public void OnSent(int bytes)
    {
        Interlocked.Increment(ref _outPackets);
        Interlocked.Add(ref _outBytes, bytes);
    }

    /// <summary>A socket receive failed (kcp-go counts read errors in InErrs).</summary>
    public void OnReceiveError() => Interlocked.Increment(ref _inErrors);

    /// <summary>A listener told a peer that it does not know its conversation.</summary>
    public void OnResetSent() => Interlocked.Increment(ref _resetsSent);

    /// <summary>A listener closed an unvalidated session to admit another under pressure.</summary>
    public void OnSessionEvicted() => Interlocked.Increment(ref _sessionsEvicted);

    /// <summary>A listener admitted a conversation on its retransmission after refusing its first datagram.</summary>
    public void OnRetriedAdmission() => Interlocked.Increment(ref _retriedAdmissions);

    /// <summary>A listener's admission tightened: an address prefix, or every prefix, came under pressure.</summary>
    public void OnAdmissionTightened() => Interlocked.Increment(ref _admissionTightened);

    public void OnDropped(PacketDropReason reason)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        switch (reason)
        {
            case PacketDropReason.BadChecksum:
                Interlocked.Increment(ref _inChecksumErrors);
                break;
            case PacketDropReason.Malformed:
                Interlocked.Increment(ref _kcpInErrors);
                break;
            case PacketDropReason.TooShort or PacketDropReason.TooLong or PacketDropReason.DecryptFailed
                or PacketDropReason.FecMalformed or PacketDropReason.UnexpectedSource:
                Interlocked.Increment(ref _inErrors);
                break;
        }
    }

    public void OnSessionOpened(bool passive)
    {
        Interlocked.Increment(ref passive ? ref _passiveOpens : ref _activeOpens);
        long current = Interlocked.Increment(ref _currentEstablished);
        RaiseMax(ref _maxEstablished, current);
        if (_private)
        {
            return;
        }

        MetricsRegistry.OnSessionOpened();
        if (Instruments.ActiveSessions.Enabled)
        {
            AddActiveSessions(1);
        }
    }

    /// <summary>Adds the closed session's counts to the totals (before the owner forgets it), then records its end.</summary>
    public void OnSessionClosed(ISessionCounters session, KcpCloseReason reason)
    {
        lock (_foldLock)
        {
            session.FoldInto(ref _closedSessions);
        }

        Interlocked.Decrement(ref _currentEstablished);
        if (_private)
        {
            return;
        }

        MetricsRegistry.OnSessionClosed();
        if (Instruments.ActiveSessions.Enabled)
        {
            AddActiveSessions(-1);
        }

        if (Instruments.SessionDuration.Enabled)
        {
            RecordDuration(Stopwatch.GetElapsedTime(session.OpenedTimestamp).TotalSeconds, reason);
        }
    }

    /// <summary>Records one smoothed-RTT sample of a session (the scheduler calls it about once a second per session).</summary>
    public void RecordRtt(int smoothedRttMs)
    {
        if (Instruments.SessionRtt.Enabled)
        {
            RecordRttCore(smoothedRttMs / 1000.0);
        }
    }

    /// <summary>The counters now; with <paramref name="includeSessions"/>, open sessions' counts are added in too.</summary>
    public KcpMetricsSnapshot GetSnapshot(bool includeSessions = true)
    {
        KcpMetricsSnapshot totals;
        if (includeSessions && _liveSessions is { } listSessions)
        {
            var sessions = new List<ISessionCounters>();
            listSessions(sessions);
            lock (_foldLock)
            {
                totals = _closedSessions;
                foreach (ISessionCounters session in sessions)
                {
                    session.AddLiveTo(ref totals);
                }
            }
        }
        else
        {
            lock (_foldLock)
            {
                totals = _closedSessions;
            }
        }

        // The session rows come from the sessions; the socket rows are counted here.
        return totals with
        {
            MaxConnections = MaxEstablished,
            ActiveOpens = ActiveOpens,
            PassiveOpens = PassiveOpens,
            CurrentEstablished = CurrentEstablished,
            InErrors = InErrors,
            InChecksumErrors = InChecksumErrors,
            KcpInErrors = KcpInErrors,
            InPackets = InPackets,
            OutPackets = OutPackets,
            InBytes = InBytes,
            OutBytes = OutBytes,
            DroppedDatagrams = DroppedTotal,
            ResetsSent = ResetsSent,
            RefusedSessions = Dropped(PacketDropReason.Refused) + Dropped(PacketDropReason.BacklogFull),
            OobDatagramsDropped = Dropped(PacketDropReason.OobQueueFull) + Dropped(PacketDropReason.OobAmplificationLimit),
            EvictedSessions = SessionsEvicted,
            RetriedAdmissions = RetriedAdmissions,
            AdmissionTightened = AdmissionTightened,
        };
    }

    internal static void RaiseMax(ref long max, long value)
    {
        long seen = Volatile.Read(ref max);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref max, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    // Tag lists are built only when someone listens (KestrelMetrics' "Core" pattern).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void AddActiveSessions(long delta) => Instruments.ActiveSessions.Add(delta, new TagList(_tags));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RecordDuration(double seconds, KcpCloseReason reason)
    {
        var tags = new TagList(_tags) { { KcpInstruments.CloseReasonTag, KcpInstruments.CloseReasonValue(reason) } };
        Instruments.SessionDuration.Record(seconds, tags);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RecordRttCore(double seconds) => Instruments.SessionRtt.Record(seconds, new TagList(_tags));
}
