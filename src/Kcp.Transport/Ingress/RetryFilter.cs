using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Kcp.Transport.Ingress;

/// <summary>
/// Remembers new conversations the listener refused, so that their retransmission is recognized: a real client whose
/// first PUSH was refused sends it again after its retransmission timeout, from the same address, with the same
/// conversation and a timestamp that advanced by about the time that passed. A spoofed flood of fresh conversations
/// never repeats one, and a replayed or duplicated datagram repeats its timestamp, so neither passes. (A blind spoofer
/// that imitates a retransmission can pass; see README "Security": what it gains is bounded by the eviction rules.)
/// </summary>
/// <remarks>
/// A direct-mapped table of 2^16 entries (1 MiB, allocated at the first refusal) keyed by a hash of (address,
/// conversation) under a random per-listener key: constant time, no allocation per datagram, and a flood can only
/// overwrite entries, never grow it. At 20,000 refusals a second an entry survives the 200–300 ms of a first
/// retransmission timeout with a probability above 0.9, and a client retransmits several times. Not thread-safe: the
/// ingress calls it under its lock.
/// </remarks>
internal sealed class RetryFilter
{
    /// <summary>How long a refused first datagram is remembered (kcp-go's fourth retransmission of it comes after about 3 s).</summary>
    internal const long WindowMs = 5000;

    // A retransmission comes one minimum RTO later at the earliest; its timestamp must have advanced by the time that
    // passed, within jitter (a fixed allowance for the network, a proportional one for clock rates).
    private const uint MinAdvanceMs = 20;
    private const long FixedToleranceMs = 50;

    private const int Bits = 16;
    private readonly ulong _key0;
    private readonly ulong _key1;
    private Entry[]? _entries;

    public RetryFilter()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _key0 = BinaryPrimitives.ReadUInt64LittleEndian(key) | 1;
        _key1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>The key of (address, conv) in this filter: computed once per datagram, for both calls below.</summary>
    public ulong KeyOf(SocketAddress address, uint conv) => Hash(address, conv);

    /// <summary>True when (address, conv) was refused within the window and <paramref name="ts"/> advanced with the clock since.</summary>
    public bool IsRetransmission(SocketAddress address, uint conv, uint ts, long nowMs) => IsRetransmission(KeyOf(address, conv), ts, nowMs);

    /// <inheritdoc cref="IsRetransmission(SocketAddress, uint, uint, long)"/>
    public bool IsRetransmission(ulong hash, uint ts, long nowMs)
    {
        if (_entries is null)
        {
            return false;
        }

        ref Entry entry = ref _entries[(int)(hash & ((1u << Bits) - 1))];
        if (entry.Tag != Tag(hash))
        {
            return false;
        }

        long elapsed = nowMs - entry.SeenMs;
        uint advance = unchecked(ts - entry.Ts);
        return elapsed is >= 0 and <= WindowMs
            && advance is >= MinAdvanceMs and < int.MaxValue
            && Math.Abs(advance - elapsed) <= FixedToleranceMs + (elapsed / 4);
    }

    /// <summary>
    /// Remembers a refused first datagram. A later one of the same (address, conv) within the window does not replace
    /// it: the first sighting is what a retransmission is measured against, and a replay must not reset it.
    /// </summary>
    public void Remember(SocketAddress address, uint conv, uint ts, long nowMs) => Remember(KeyOf(address, conv), ts, nowMs);

    /// <inheritdoc cref="Remember(SocketAddress, uint, uint, long)"/>
    public void Remember(ulong hash, uint ts, long nowMs)
    {
        _entries ??= new Entry[1 << Bits];
        ref Entry entry = ref _entries[(int)(hash & ((1u << Bits) - 1))];
        uint tag = Tag(hash);
        if (entry.Tag == tag && nowMs - entry.SeenMs <= WindowMs)
        {
            return;
        }

        entry = new Entry(tag, nowMs, ts);
    }

    // Never 0, so an empty entry matches nothing.
    private static uint Tag(ulong hash) => (uint)(hash >> 32) | 1;

    /// <summary>A keyed mix of the address bytes (family, port, IP) and the conversation.</summary>
    private ulong Hash(SocketAddress address, uint conv)
    {
        ReadOnlySpan<byte> bytes = address.Buffer.Span[..address.Size];
        ulong h = _key1 ^ conv;
        while (bytes.Length >= 8)
        {
            h = Mix(h ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (8 * i);
        }

        return Mix(h ^ tail ^ ((ulong)bytes.Length << 56));
    }

    private ulong Mix(ulong x)
    {
        // splitmix64's finalizer over a keyed multiply.
        x *= _key0;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9;
        x ^= x >> 27;
        x *= 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    private readonly record struct Entry(uint Tag, long SeenMs, uint Ts);
}
