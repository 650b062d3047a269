using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Kcp.Transport.Diagnostics;

/// <summary>
/// The instruments of one <see cref="MeterName"/> meter: from an <see cref="IMeterFactory"/> when hosted,
/// else the process's shared static meter. Per-packet and per-segment counts are never pushed: observable instruments
/// read the sources' counters (and their open sessions) only when a listener collects, so an unobserved meter costs
/// nothing. Listeners report one series per bound endpoint; dialed sessions are summed into one client series, so the
/// tag cardinality stays bounded by the number of endpoints.
/// </summary>
internal sealed class KcpInstruments
{
    /// <summary>The meter's name (<see cref="KcpMetrics.MeterName"/>).</summary>
    public const string MeterName = "Kcp.Transport";

    public const string RoleTag = "kcp.role";
    public const string CloseReasonTag = "kcp.close.reason";
    public const string DropReasonTag = "kcp.drop.reason";
    public const string FrameTypeTag = "kcp.smux.frame.type";
    public const string SmuxErrorTag = "kcp.smux.error";

    private static readonly ConditionalWeakTable<IMeterFactory, KcpInstruments> s_byFactory = new();
    private static readonly KeyValuePair<string, object?>[] s_clientTags = [new(RoleTag, "client")];
    private static readonly string[] s_closeReasons = BuildCloseReasons();

    // Guarded by MetricsRegistry's lock.
    private KcpMetricsSnapshot _retiredClients;
    private readonly long[] _retiredClientDrops = new long[PacketDropReasonNames.Count];
    private bool _anyClient;

    private KcpInstruments(Meter meter)
    {
        Meter = meter;
        ActiveSessions = meter.CreateUpDownCounter<long>(
            "kcp.sessions.active", "{session}", "KCP sessions open now (kcp-go CurrEstab).");
        SessionDuration = meter.CreateHistogram(
            "kcp.session.duration", "s", "How long KCP sessions lasted, by close reason.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] });
        SessionRtt = meter.CreateHistogram(
            "kcp.session.rtt", "s", "Smoothed round-trip time of open KCP sessions, sampled about once a second per session.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5] });

        TrafficCounter("kcp.udp.datagrams.received", "{datagram}", "UDP datagrams received (kcp-go InPkts).", s => s.InPackets, sessions: false);
        TrafficCounter("kcp.udp.datagrams.sent", "{datagram}", "UDP datagrams sent (OutPkts).", s => s.OutPackets, sessions: false);
        TrafficCounter("kcp.udp.received", "By", "UDP bytes received (InBytes).", s => s.InBytes, sessions: false);
        TrafficCounter("kcp.udp.sent", "By", "UDP bytes sent (OutBytes).", s => s.OutBytes, sessions: false);
        EventCounter("kcp.udp.errors", "{datagram}", "Receive errors and unusable datagrams (InErrs).", s => s.InErrors, sessions: false);
        EventCounter("kcp.datagrams.checksum_errors", "{datagram}", "Datagrams whose CRC-32 failed after decryption (InCsumErrors).", s => s.InChecksumErrors, sessions: false);
        EventCounter("kcp.segments.input_errors", "{packet}", "Packets the KCP input rejected (KCPInErrors).", s => s.KcpInErrors, sessions: false);
        EventCounter("kcp.sessions.reset", "{datagram}", "Resets a listener sent to peers of conversations it does not know.", s => s.ResetsSent, sessions: false);
        EventCounter("kcp.sessions.evicted", "{session}", "Unvalidated sessions a listener closed to admit others while new sessions were under pressure.", s => s.EvictedSessions, sessions: false);
        EventCounter("kcp.admission.retried", "{session}", "Sessions admitted on a retransmission after their first datagram was refused under pressure.", s => s.RetriedAdmissions, sessions: false);
        EventCounter("kcp.admission.tightened", "{event}", "Times a listener's admission tightened: an address prefix, or every prefix, came under pressure.", s => s.AdmissionTightened, sessions: false);
        TrafficCounter("kcp.sessions.opened", "{session}", "Sessions dialed (ActiveOpens, kcp.role=client) or accepted (PassiveOpens, kcp.role=listener).", s => s.ActiveOpens + s.PassiveOpens, sessions: false);
        TrafficCounter("kcp.segments.received", "{segment}", "KCP segments received (InSegs).", s => s.InSegments, sessions: true);
        TrafficCounter("kcp.segments.sent", "{segment}", "KCP segments sent (OutSegs).", s => s.OutSegments, sessions: true);
        TrafficCounter("kcp.segments.retransmitted", "{segment}", "Segments retransmitted: lost + fast + early (RetransSegs).", s => s.RetransmittedSegments, sessions: true);
        TrafficCounter("kcp.segments.fast_retransmitted", "{segment}", "Fast retransmissions (FastRetransSegs).", s => s.FastRetransmittedSegments, sessions: true);
        TrafficCounter("kcp.segments.early_retransmitted", "{segment}", "Early retransmissions (EarlyRetransSegs).", s => s.EarlyRetransmittedSegments, sessions: true);
        TrafficCounter("kcp.segments.lost", "{segment}", "Retransmissions after a timeout (LostSegs).", s => s.LostSegments, sessions: true);
        TrafficCounter("kcp.segments.copied", "{segment}", "Copies of unacknowledged segments sent in spare datagram room (RedundantCopies).", s => s.CopiedSegments, sessions: true);
        TrafficCounter("kcp.segments.repeated", "{segment}", "Duplicate or out-of-window data segments received (RepeatSegs).", s => s.RepeatSegments, sessions: true);
        TrafficCounter("kcp.payload.sent", "By", "Payload bytes the applications wrote (BytesSent).", s => s.BytesSent, sessions: true);
        TrafficCounter("kcp.payload.received", "By", "Payload bytes delivered to the applications (BytesReceived).", s => s.BytesReceived, sessions: true);
        EventCounter("kcp.fec.recovered", "{packet}", "Packets rebuilt by FEC (FECRecovered).", s => s.FecRecovered, sessions: true);
        EventCounter("kcp.fec.errors", "{group}", "FEC groups that failed to decode (FECErrs).", s => s.FecErrors, sessions: true);
        EventCounter("kcp.fec.parity_shards", "{shard}", "FEC parity shards received (FECParityShards).", s => s.FecParityShards, sessions: true);
        EventCounter("kcp.fec.short_shards", "{group}", "FEC groups given up incomplete (FECShortShards).", s => s.FecShortShards, sessions: true);
        EventCounter("kcp.oob.datagrams.sent", "{datagram}", "Out-of-band (unreliable) datagrams sent (kcp-go SendOOB).", s => s.OobDatagramsSent, sessions: true);
        EventCounter("kcp.oob.datagrams.received", "{datagram}", "Out-of-band (unreliable) datagrams received (kcp-go OOBPackets); their drops are kcp.datagrams.dropped with kcp.drop.reason oob_*.", s => s.OobDatagramsReceived, sessions: true);
        meter.CreateObservableCounter("kcp.datagrams.dropped", ObserveDrops, "{datagram}", "Received datagrams not used, by kcp.drop.reason.");
        meter.CreateObservableGauge("kcp.sessions.peak", ObservePeak, "{session}", "The most sessions a listener had open at once (MaxConn).");

        meter.CreateObservableCounter("kcp.smux.streams.opened", () => Smux.StreamsOpened, "{stream}", "smux streams opened, by either side.");
        meter.CreateObservableUpDownCounter("kcp.smux.streams.active", () => Smux.StreamsActive, "{stream}", "smux streams open now.");
        meter.CreateObservableUpDownCounter("kcp.smux.sessions.active", () => Smux.SessionsActive, "{session}", "smux sessions open now.");
        meter.CreateObservableCounter("kcp.smux.frames.received", () => ObserveFrames(received: true), "{frame}", "smux frames received, by kcp.smux.frame.type.");
        meter.CreateObservableCounter("kcp.smux.frames.sent", () => ObserveFrames(received: false), "{frame}", "smux frames sent, by kcp.smux.frame.type.");
        meter.CreateObservableCounter("kcp.smux.errors", ObserveSmuxErrors, "{error}", "smux and snappy protocol errors and refused streams, by kcp.smux.error.");
    }

    /// <summary>The smux counters of every smux session reporting to this meter.</summary>
    public SmuxCounters Smux { get; } = new();

    /// <summary>The process's static meter, for listeners and clients created without an <see cref="IMeterFactory"/>.</summary>
    public static KcpInstruments Shared { get; } = new(new Meter(MeterName, typeof(KcpInstruments).Assembly.GetName().Version?.ToString()));

    public Meter Meter { get; }

    public UpDownCounter<long> ActiveSessions { get; }

    public Histogram<double> SessionDuration { get; }

    public Histogram<double> SessionRtt { get; }

    /// <summary>One set of instruments per meter factory (a DI container), shared by its listeners and clients.</summary>
    public static KcpInstruments For(IMeterFactory? meterFactory) => meterFactory is null
        ? Shared
        : s_byFactory.GetValue(meterFactory, static factory => new KcpInstruments(factory.Create(new MeterOptions(MeterName)
        {
            Version = typeof(KcpInstruments).Assembly.GetName().Version?.ToString(),
        })));

    public static string CloseReasonValue(KcpCloseReason reason) => s_closeReasons[(int)reason];

    /// <summary>Keeps a closed client's totals in the client series, which must never go down. Called under the registry lock.</summary>
    internal void RetireClient(KcpMetricsSnapshot final, KcpCounters source)
    {
        _retiredClients += final with { CurrentEstablished = 0, MaxConnections = 0 };
        for (int i = 0; i < _retiredClientDrops.Length; i++)
        {
            _retiredClientDrops[i] += source.Dropped((PacketDropReason)i);
        }

        _anyClient = true;
    }

    /// <summary>Called under the registry lock.</summary>
    internal bool ReadRetiredClients(out KcpMetricsSnapshot retired, Span<long> drops)
    {
        retired = _retiredClients;
        _retiredClientDrops.CopyTo(drops);
        return _anyClient;
    }

    /// <summary>A count of the link's ordinary work (datagrams, bytes, segments, opens): every series is reported, at 0 too.</summary>
    private void TrafficCounter(string name, string unit, string description, Func<KcpMetricsSnapshot, long> select, bool sessions)
        => Meter.CreateObservableCounter(name, () => Observe(select, sessions, omitZero: false), unit, description);

    /// <summary>
    /// A count of something that stays at 0 on a healthy link or without the feature (errors, resets, FEC): a series is
    /// reported from its first non-zero value on. The counts never go down, so a series once reported is never
    /// missing later (a series that vanished would read as a reset to a backend).
    /// </summary>
    private void EventCounter(string name, string unit, string description, Func<KcpMetricsSnapshot, long> select, bool sessions)
        => Meter.CreateObservableCounter(name, () => Observe(select, sessions, omitZero: true), unit, description);

    private List<Measurement<long>> Observe(Func<KcpMetricsSnapshot, long> select, bool sessions, bool omitZero)
    {
        var sources = new List<KcpCounters>();
        Span<long> drops = stackalloc long[PacketDropReasonNames.Count];
        bool anyClient = MetricsRegistry.CollectSources(this, sources, out KcpMetricsSnapshot clients, drops);
        var measurements = new List<Measurement<long>>(sources.Count + 1);
        foreach (KcpCounters source in sources)
        {
            KcpMetricsSnapshot snapshot = source.GetSnapshot(sessions);
            if (source.IsListener)
            {
                long value = select(snapshot);
                if (value != 0 || !omitZero)
                {
                    measurements.Add(new Measurement<long>(value, source.Tags));
                }
            }
            else
            {
                clients += snapshot;
                anyClient = true;
            }
        }

        if (anyClient && (select(clients) != 0 || !omitZero))
        {
            measurements.Add(new Measurement<long>(select(clients), s_clientTags));
        }

        return measurements;
    }

    /// <summary>
    /// One series per (endpoint, reason) that occurred: 19 reasons would otherwise be 19 rows of zeros per endpoint.
    /// A reason is reported from its first drop on, and since drop counts never go down it stays reported.
    /// </summary>
    private List<Measurement<long>> ObserveDrops()
    {
        var sources = new List<KcpCounters>();
        Span<long> clientDrops = stackalloc long[PacketDropReasonNames.Count];
        bool anyClient = MetricsRegistry.CollectSources(this, sources, out _, clientDrops);

        var measurements = new List<Measurement<long>>();
        foreach (KcpCounters source in sources)
        {
            for (int i = 0; i < clientDrops.Length; i++)
            {
                if (source.IsListener)
                {
                    AddDrops(measurements, source.Dropped((PacketDropReason)i), source.Tags, (PacketDropReason)i);
                }
                else
                {
                    clientDrops[i] += source.Dropped((PacketDropReason)i);
                    anyClient = true;
                }
            }
        }

        if (anyClient)
        {
            for (int i = 0; i < clientDrops.Length; i++)
            {
                AddDrops(measurements, clientDrops[i], s_clientTags, (PacketDropReason)i);
            }
        }

        return measurements;
    }

    private static void AddDrops(List<Measurement<long>> measurements, long value, ReadOnlySpan<KeyValuePair<string, object?>> endpointTags, PacketDropReason reason)
    {
        if (value == 0)
        {
            return;
        }

        var tags = new TagList(endpointTags) { { DropReasonTag, reason.TagValue() } };
        measurements.Add(new Measurement<long>(value, in tags));
    }

    private Measurement<long>[] ObserveFrames(bool received)
    {
        var measurements = new Measurement<long>[SmuxCounters.FrameTypes.Length];
        for (int i = 0; i < measurements.Length; i++)
        {
            long value = received ? Smux.FramesReceived(i) : Smux.FramesSent(i);
            measurements[i] = new Measurement<long>(value, new KeyValuePair<string, object?>(FrameTypeTag, SmuxCounters.FrameTypes[i]));
        }

        return measurements;
    }

    private Measurement<long>[] ObserveSmuxErrors()
    {
        var measurements = new Measurement<long>[SmuxProtocolErrorNames.Count];
        for (int i = 0; i < measurements.Length; i++)
        {
            var error = (SmuxProtocolError)i;
            measurements[i] = new Measurement<long>(Smux.Errors(error), new KeyValuePair<string, object?>(SmuxErrorTag, error.TagValue()));
        }

        return measurements;
    }

    private List<Measurement<long>> ObservePeak()
    {
        var sources = new List<KcpCounters>();
        Span<long> unused = stackalloc long[PacketDropReasonNames.Count];
        MetricsRegistry.CollectSources(this, sources, out _, unused);
        var measurements = new List<Measurement<long>>(sources.Count);
        foreach (KcpCounters source in sources)
        {
            if (source.IsListener)
            {
                measurements.Add(new Measurement<long>(source.MaxEstablished, source.Tags));
            }
        }

        return measurements;
    }

    private static string[] BuildCloseReasons()
    {
        var values = new string[Enum.GetValues<KcpCloseReason>().Length];
        foreach (KcpCloseReason reason in Enum.GetValues<KcpCloseReason>())
        {
            values[(int)reason] = reason switch
            {
                KcpCloseReason.None => "none",
                KcpCloseReason.LocalClose => "local_close",
                KcpCloseReason.Aborted => "aborted",
                KcpCloseReason.IdleTimeout => "idle_timeout",
                KcpCloseReason.DeadLink => "dead_link",
                KcpCloseReason.Replaced => "replaced",
                KcpCloseReason.TransportClosed => "transport_closed",
                KcpCloseReason.RemoteClose => "remote_close",
                KcpCloseReason.RemoteAbort => "remote_abort",
                KcpCloseReason.Reset => "reset",
                KcpCloseReason.ConnectTimeout => "connect_timeout",
                KcpCloseReason.Evicted => "evicted",
                _ => throw new InvalidOperationException($"No tag value for {reason}."),
            };
        }

        return values;
    }
}
