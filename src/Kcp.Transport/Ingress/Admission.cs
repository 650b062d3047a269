using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Ingress;

/// <summary>
/// A listener's admission of new sessions (README "Security"): open at line rate while nothing suggests an attack, tight
/// under pressure, and never a lock-out for a client that behaves like one.
/// <list type="bullet">
/// <item>Calm: a new conversation is admitted while the pool of unvalidated sessions
/// (<see cref="KcpSecurityOptions.MaxUnvalidatedSessions"/>, the memory bound) has room, whatever its prefix.</item>
/// <item>Pressure on a prefix: one of its unvalidated sessions failed to validate (reaped, evicted, replaced), or it
/// ran out of its new-session tokens (<see cref="KcpSecurityOptions.NewSessionsPerSecondPerPrefix"/>) while holding
/// <see cref="KcpSecurityOptions.MaxUnvalidatedSessionsPerPrefix"/> unvalidated sessions that have had
/// <see cref="MinEvictionAgeMs"/> to validate (a burst of real clients validates as it goes). Pressure on all: the pool is
/// full, the sessions near <see cref="KcpOptions.MaxSessions"/>, or the GC reports high memory load. It holds for
/// <see cref="PressureHoldMs"/> after the last sign.</item>
/// <item>Under pressure, a first datagram of a new conversation needs a token and its prefix below its share; a
/// refused one is remembered (<see cref="RetryFilter"/>), and its retransmission is admitted without either.</item>
/// <item>When the pool is full, a newcomer takes the place of the least-proven unvalidated session admitted at least
/// <see cref="MinEvictionAgeMs"/> ago: a retransmission may take any such place, a first datagram only one of
/// another prefix that holds more than its share. Least proven: of a prefix over its share, admitted on a first
/// datagram, fewest datagrams received, oldest.</item>
/// </list>
/// A spoofed flood cannot validate (it never receives our datagrams) and seldom retransmits, so it fills the places a
/// real client may take; memory stays bounded by the pool, and CPU by the tokens and the eviction age (a place changes
/// hands at most once a second). Tombstones of closed conversations are kept here too. Not thread-safe: the listener's
/// ingress calls it under its table lock; no datagram allocates.
/// </summary>
internal sealed class Admission
{
    /// <summary>How long pressure lasts after its last sign.</summary>
    internal const long PressureHoldMs = 5000;

    /// <summary>An unvalidated session keeps its place this long, so a real peer has time to answer (an RTT and some).</summary>
    internal const long MinEvictionAgeMs = 1000;

    private const int MaxVictimScan = 256;
    private const int MaxStaleScan = 4096;
    private const long SenseIntervalMs = 100;
    private const int MaxPrefixes = 65_536;
    private const long MemoryCheckIntervalMs = 1000;

    private readonly KcpSecurityOptions _options;
    private readonly int _maxSessions;
    private readonly KcpCounters? _counters;
    private readonly Dictionary<PrefixKey, PrefixState> _prefixes = [];
    private readonly UnvalidatedPool _pool = new();
    private readonly RetryFilter _retries = new();
    private readonly Tombstones _tombstones;
    private long _pressureUntilMs = long.MinValue;
    private long _nextMemoryCheckMs = long.MinValue;

    public Admission(KcpSecurityOptions options, int maxSessions = 10_000, KcpCounters? counters = null)
    {
        _options = options;
        _maxSessions = maxSessions;
        _counters = counters;
        _tombstones = new Tombstones(options);
    }

    public int UnvalidatedCount => _pool.Count;

    public int TombstoneCount => _tombstones.Count;

    /// <summary>True if (address, conv) closed within the tombstone lifetime.</summary>
    public bool IsTombstoned(SocketAddress address, uint conv, long nowMs) => _tombstones.Contains(address, conv, nowMs);

    /// <summary>True while admission is tight for <paramref name="address"/>'s prefix.</summary>
    public bool IsUnderPressure(SocketAddress address, long nowMs)
    {
        ref PrefixState state = ref CollectionsMarshal.GetValueRefOrNullRef(_prefixes, PrefixOf(address));
        return nowMs < _pressureUntilMs || (!Unsafe.IsNullRef(ref state) && nowMs < state.PressureUntilMs);
    }

    /// <summary>
    /// Whether a new conversation <paramref name="conv"/> from <paramref name="address"/>, whose first PUSH carries
    /// <paramref name="pushTs"/>, may open a session with <paramref name="openSessions"/> open; and whose place it takes.
    /// Nothing changes but tokens and pressure until <see cref="Admit"/>.
    /// </summary>
    public Decision Check(SocketAddress address, uint conv, uint pushTs, int openSessions, long nowMs)
    {
        PrefixKey prefix = PrefixOf(address);
        SenseGlobalPressure(openSessions, nowMs);
        ulong retryKey = _retries.KeyOf(address, conv);
        bool retried = _retries.IsRetransmission(retryKey, pushTs, nowMs);
        int share = _options.MaxUnvalidatedSessionsPerPrefix;
        ref PrefixState state = ref CollectionsMarshal.GetValueRefOrNullRef(_prefixes, prefix);
        bool known = !Unsafe.IsNullRef(ref state);
        int unvalidated = known ? state.Unvalidated : 0;
        bool outOfTokens = known && _options.NewSessionsPerSecondPerPrefix > 0 && Refill(ref state, nowMs) < 1;
        if (outOfTokens && unvalidated >= share && nowMs >= state.NextSenseMs)
        {
            // Fast and many, but a burst of real clients validates within a round trip: only sessions that have had
            // their second and did not are a sign. Looked at ten times a second at most.
            state.NextSenseMs = nowMs + SenseIntervalMs;
            if (CountStale(prefix, nowMs) >= share)
            {
                Tighten(ref state, nowMs);
            }
        }

        PacketDropReason? refused = null;
        if (!retried && (nowMs < _pressureUntilMs || (known && nowMs < state.PressureUntilMs)))
        {
            refused = outOfTokens ? PacketDropReason.RateLimited
                : unvalidated >= share ? PacketDropReason.UnvalidatedLimit
                : null;
        }

        IPacketHandler? victim = null;
        if (refused is null && _pool.Count >= _options.MaxUnvalidatedSessions)
        {
            TightenAll(nowMs);
            victim = FindVictim(prefix, retried, nowMs);
            refused = victim is null ? PacketDropReason.UnvalidatedLimit : null;
        }

        if (refused is not null)
        {
            if (!retried)
            {
                _retries.Remember(retryKey, pushTs, nowMs);
            }

            return new Decision(refused, null, retried);
        }

        if (known && _options.NewSessionsPerSecondPerPrefix > 0)
        {
            state.Tokens = Math.Max(0, state.Tokens - 1);
        }

        return new Decision(null, victim, retried);
    }

    /// <summary>
    /// Counts a session created on a <see cref="Decision"/> as unvalidated until <see cref="OnValidated"/> or
    /// <see cref="OnClosed"/>, and takes its victim's place (the caller closes the victim).
    /// </summary>
    public void Admit(IPacketHandler session, in Decision decision, long nowMs)
    {
        if (decision.Victim is { } victim && _pool.Remove(victim, out PrefixKey victimPrefix))
        {
            ref PrefixState victimState = ref CollectionsMarshal.GetValueRefOrNullRef(_prefixes, victimPrefix);
            victimState.Unvalidated--;
            Tighten(ref victimState, nowMs);
            _counters?.OnSessionEvicted();
        }

        PrefixKey prefix = PrefixOf(session.RemoteAddress);
        ref PrefixState state = ref StateOf(prefix, nowMs, out bool created);
        if (created)
        {
            state.Tokens = Math.Max(0, Burst - 1);   // a prefix seen for the first time spends its first token here
        }

        state.Unvalidated++;
        _pool.Add(session, prefix, decision.Retried, nowMs);
        if (decision.Retried)
        {
            _counters?.OnRetriedAdmission();
        }
    }

    public void OnValidated(IPacketHandler session)
    {
        if (_pool.Remove(session, out PrefixKey prefix))
        {
            CollectionsMarshal.GetValueRefOrNullRef(_prefixes, prefix).Unvalidated--;
        }
    }

    /// <summary>Forgets the session's place (a session that failed to validate puts its prefix under pressure) and tombstones its (address, conv).</summary>
    public void OnClosed(IPacketHandler session, KcpCloseReason reason, long nowMs)
    {
        if (_pool.Remove(session, out PrefixKey prefix))
        {
            ref PrefixState state = ref CollectionsMarshal.GetValueRefOrNullRef(_prefixes, prefix);
            state.Unvalidated--;
            if (reason is KcpCloseReason.IdleTimeout or KcpCloseReason.DeadLink or KcpCloseReason.Replaced)
            {
                Tighten(ref state, nowMs);
            }
        }

        _tombstones.Add(session.RemoteAddress, session.Conversation, nowMs);
    }

    /// <summary>The /24 (IPv4, also when mapped into IPv6) or /64 (IPv6) an address belongs to, by the configured lengths.</summary>
    internal PrefixKey PrefixOf(SocketAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        int bits;
        if (address.Family == AddressFamily.InterNetwork)
        {
            // sockaddr_in: family (2), port (2), address (4).
            address.Buffer.Span.Slice(4, 4).CopyTo(bytes);
            bits = _options.IPv4PrefixLength;
        }
        else
        {
            // sockaddr_in6: family (2), port (2), flow info (4), address (16).
            ReadOnlySpan<byte> v6 = address.Buffer.Span.Slice(8, 16);
            if (v6[..10].IndexOfAnyExcept((byte)0) < 0 && v6[10] == 0xFF && v6[11] == 0xFF)
            {
                v6.Slice(12, 4).CopyTo(bytes);
                bits = _options.IPv4PrefixLength;
            }
            else
            {
                v6.CopyTo(bytes);
                bits = _options.IPv6PrefixLength + 1000;   // keeps v6 prefixes apart from v4 ones
            }
        }

        int maskBits = bits % 1000;
        for (int i = 0; i < 16; i++)
        {
            int keep = Math.Clamp(maskBits - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF00 >> keep);
        }

        return new PrefixKey(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), bits);
    }

    private int Burst => _options.NewSessionBurstPerPrefix;

    /// <summary>
    /// The least-proven unvalidated session admitted at least <see cref="MinEvictionAgeMs"/> ago among the oldest ones,
    /// that a newcomer from <paramref name="prefix"/> may replace: any, for a retransmission; for a first datagram,
    /// only one of another prefix that holds more than its share.
    /// </summary>
    private IPacketHandler? FindVictim(PrefixKey prefix, bool retried, long nowMs)
    {
        UnvalidatedPool.Member? best = null;
        int bestRank = int.MaxValue;
        long bestDatagrams = long.MaxValue;
        int scanned = 0;
        for (UnvalidatedPool.Member? m = _pool.Oldest; m is not null && scanned < MaxVictimScan; m = m.Next, scanned++)
        {
            if (nowMs - m.AdmittedMs < MinEvictionAgeMs)
            {
                break;   // admission order: the rest are younger
            }

            bool overShare = _prefixes[m.Prefix].Unvalidated > _options.MaxUnvalidatedSessionsPerPrefix;
            if (!retried && (!overShare || m.Prefix == prefix))
            {
                continue;
            }

            int rank = (overShare ? 0 : 2) + (m.Retried ? 1 : 0);
            long datagrams = m.Handler.DatagramsReceived;
            if (rank < bestRank || (rank == bestRank && datagrams < bestDatagrams))
            {
                (best, bestRank, bestDatagrams) = (m, rank, datagrams);
            }
        }

        return best?.Handler;
    }

    /// <summary>Unvalidated sessions of <paramref name="prefix"/> admitted at least <see cref="MinEvictionAgeMs"/> ago (among the oldest).</summary>
    private int CountStale(PrefixKey prefix, long nowMs)
    {
        int stale = 0, scanned = 0;
        for (UnvalidatedPool.Member? m = _pool.Oldest; m is not null && scanned < MaxStaleScan && nowMs - m.AdmittedMs >= MinEvictionAgeMs; m = m.Next, scanned++)
        {
            stale += m.Prefix == prefix ? 1 : 0;
        }

        return stale;
    }

    private void SenseGlobalPressure(int openSessions, long nowMs)
    {
        if (openSessions >= _maxSessions - (_maxSessions / 8))
        {
            TightenAll(nowMs);
        }

        if (nowMs >= _nextMemoryCheckMs)
        {
            // The GC's own judgement of the machine's (or container's) memory, read at most once a second.
            _nextMemoryCheckMs = nowMs + MemoryCheckIntervalMs;
            GCMemoryInfo memory = GC.GetGCMemoryInfo();
            if (memory.HighMemoryLoadThresholdBytes > 0 && memory.MemoryLoadBytes >= memory.HighMemoryLoadThresholdBytes)
            {
                TightenAll(nowMs);
            }
        }
    }

    private void Tighten(ref PrefixState state, long nowMs)
    {
        if (state.PressureUntilMs <= nowMs)
        {
            _counters?.OnAdmissionTightened();
        }

        state.PressureUntilMs = nowMs + PressureHoldMs;
    }

    private void TightenAll(long nowMs)
    {
        if (_pressureUntilMs <= nowMs)
        {
            _counters?.OnAdmissionTightened();
        }

        _pressureUntilMs = nowMs + PressureHoldMs;
    }

    /// <summary>The prefix's tokens now (refilled at the configured rate, at most the burst), stored back.</summary>
    private double Refill(ref PrefixState state, long nowMs)
    {
        state.Tokens = Math.Min(Burst, state.Tokens + ((nowMs - state.LastMs) * _options.NewSessionsPerSecondPerPrefix / 1000.0));
        state.LastMs = nowMs;
        return state.Tokens;
    }

    private ref PrefixState StateOf(PrefixKey prefix, long nowMs, out bool created)
    {
        if (_prefixes.Count >= MaxPrefixes && !_prefixes.ContainsKey(prefix))
        {
            Prune(nowMs);
        }

        ref PrefixState state = ref CollectionsMarshal.GetValueRefOrAddDefault(_prefixes, prefix, out bool exists);
        created = !exists;
        if (created)
        {
            state = new PrefixState { Tokens = Burst, LastMs = nowMs, PressureUntilMs = long.MinValue };
        }

        return ref state;
    }

    /// <summary>Forgets prefixes that hold no unvalidated session, calm ones with full buckets first.</summary>
    private void Prune(long nowMs)
    {
        foreach (KeyValuePair<PrefixKey, PrefixState> entry in _prefixes)
        {
            PrefixState s = entry.Value;
            if (s.Unvalidated == 0 && s.PressureUntilMs <= nowMs
                && s.Tokens + ((nowMs - s.LastMs) * _options.NewSessionsPerSecondPerPrefix / 1000.0) >= Burst)
            {
                _prefixes.Remove(entry.Key);
            }
        }

        if (_prefixes.Count >= MaxPrefixes)
        {
            // Spread over that many prefixes: start over rather than grow (the places in the pool stay counted).
            foreach (KeyValuePair<PrefixKey, PrefixState> entry in _prefixes)
            {
                if (entry.Value.Unvalidated == 0)
                {
                    _prefixes.Remove(entry.Key);
                }
            }
        }
    }

    /// <summary>What <see cref="Check"/> decided: a refusal, or an admission (taking <see cref="Victim"/>'s place, if any).</summary>
    internal readonly record struct Decision(PacketDropReason? Refused, IPacketHandler? Victim, bool Retried);

    internal readonly record struct PrefixKey(ulong High, ulong Low, int Bits);

    private struct PrefixState
    {
        public double Tokens;
        public long LastMs;
        public int Unvalidated;
        public long PressureUntilMs;
        public long NextSenseMs;
    }
}
