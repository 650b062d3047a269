using System.Buffers.Binary;

namespace Kcp.Transport.Ingress;

/// <summary>
/// A listener's admission state (README "Security", tier A): unvalidated sessions per address prefix, a token bucket
/// of new sessions per prefix, and tombstones of recently closed (address, conversation) pairs. Not thread-safe: the
/// listener's ingress calls it under its table lock. Tables are bounded; steady-state lookups do not allocate.
/// </summary>
internal sealed class Admission
{
    private const int MaxBuckets = 65_536;
    private readonly KcpSecurityOptions _options;
    private readonly Dictionary<PrefixKey, int> _unvalidatedByPrefix = [];
    private readonly Dictionary<IPacketHandler, PrefixKey> _unvalidated = [];
    private readonly Dictionary<PrefixKey, Bucket> _buckets = [];
    private readonly Dictionary<Tombstone, long> _tombstones = [];
    private readonly Queue<(Tombstone Key, long Expiry)> _tombstoneOrder = new();
    private readonly long _tombstoneLifetimeMs;

    public Admission(KcpSecurityOptions options)
    {
        _options = options;
        _tombstoneLifetimeMs = (long)options.TombstoneLifetime.TotalMilliseconds;
    }

    public int UnvalidatedCount => _unvalidated.Count;

    public int TombstoneCount => _tombstones.Count;

    /// <summary>True if (address, conv) closed within the tombstone lifetime.</summary>
    public bool IsTombstoned(SocketAddress address, uint conv, long nowMs)
        => _tombstones.TryGetValue(new Tombstone(address, conv), out long expiry) && expiry > nowMs;

    /// <summary>The reason a new unvalidated session from <paramref name="address"/> is refused, or null (a token is then taken).</summary>
    public Diagnostics.PacketDropReason? CheckNewSession(SocketAddress address, long nowMs)
    {
        PrefixKey prefix = PrefixOf(address);
        if (_unvalidated.Count >= _options.MaxUnvalidatedSessions
            || (_unvalidatedByPrefix.TryGetValue(prefix, out int count) && count >= _options.MaxUnvalidatedSessionsPerPrefix))
        {
            return Diagnostics.PacketDropReason.UnvalidatedLimit;
        }

        double rate = _options.NewSessionsPerSecondPerPrefix;
        if (rate <= 0)
        {
            return null;
        }

        int burst = _options.NewSessionBurstPerPrefix;
        if (!_buckets.TryGetValue(prefix, out Bucket bucket))
        {
            if (_buckets.Count >= MaxBuckets)
            {
                PruneBuckets(nowMs, rate, burst);
            }

            bucket = new Bucket(burst, nowMs);
        }

        double tokens = Math.Min(burst, bucket.Tokens + ((nowMs - bucket.LastMs) * rate / 1000.0));
        if (tokens < 1)
        {
            _buckets[prefix] = new Bucket(tokens, nowMs);
            return Diagnostics.PacketDropReason.RateLimited;
        }

        _buckets[prefix] = new Bucket(tokens - 1, nowMs);
        return null;
    }

    /// <summary>Counts a new session as unvalidated until <see cref="OnValidated"/> or <see cref="OnClosed"/>.</summary>
    public void OnCreated(IPacketHandler session)
    {
        PrefixKey prefix = PrefixOf(session.RemoteAddress);
        _unvalidated[session] = prefix;
        _unvalidatedByPrefix[prefix] = _unvalidatedByPrefix.GetValueOrDefault(prefix) + 1;
    }

    public void OnValidated(IPacketHandler session)
    {
        if (_unvalidated.Remove(session, out PrefixKey prefix))
        {
            int left = _unvalidatedByPrefix[prefix] - 1;
            if (left == 0)
            {
                _unvalidatedByPrefix.Remove(prefix);
            }
            else
            {
                _unvalidatedByPrefix[prefix] = left;
            }
        }
    }

    /// <summary>Forgets the session's unvalidated slot and tombstones its (address, conv).</summary>
    public void OnClosed(IPacketHandler session, long nowMs)
    {
        OnValidated(session);
        if (_tombstoneLifetimeMs <= 0 || _options.MaxTombstones == 0)
        {
            return;
        }

        while (_tombstoneOrder.Count > 0
            && (_tombstoneOrder.Count >= _options.MaxTombstones || _tombstoneOrder.Peek().Expiry <= nowMs))
        {
            (Tombstone old, long expiry) = _tombstoneOrder.Dequeue();
            if (_tombstones.TryGetValue(old, out long current) && current == expiry)
            {
                _tombstones.Remove(old);
            }
        }

        var key = new Tombstone(session.RemoteAddress, session.Conversation);
        long until = nowMs + _tombstoneLifetimeMs;
        _tombstones[key] = until;
        _tombstoneOrder.Enqueue((key, until));
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

    private void PruneBuckets(long nowMs, double rate, int burst)
    {
        foreach (KeyValuePair<PrefixKey, Bucket> entry in _buckets)
        {
            if (entry.Value.Tokens + ((nowMs - entry.Value.LastMs) * rate / 1000.0) >= burst)
            {
                _buckets.Remove(entry.Key);
            }
        }

        if (_buckets.Count >= MaxBuckets)
        {
            _buckets.Clear();   // an attacker spread over 65k prefixes: start over rather than grow
        }
    }

    internal readonly record struct PrefixKey(ulong High, ulong Low, int Bits);

    private readonly record struct Bucket(double Tokens, long LastMs);

    private readonly record struct Tombstone(SocketAddress Address, uint Conv);
}
