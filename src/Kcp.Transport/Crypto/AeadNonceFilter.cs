using System.Buffers.Binary;

namespace Kcp.Transport.Crypto;

/// <summary>
/// aes-128-gcm's per-key memory of the nonces seen within the replay horizon, for peers whose nonces are random (kcp-go):
/// two generations of half the horizon each, so a nonce is remembered for at least half and at most the whole horizon,
/// in bounded memory. Not thread-safe: <see cref="AesGcmPacketCipher"/> calls it under its lock.
/// </summary>
internal sealed class AeadNonceFilter(long horizonMs, int maxNonces)
{
    private HashSet<NonceKey> _current = [];
    private HashSet<NonceKey> _previous = [];
    private long _generationStartMs = long.MinValue;

    /// <summary>Remembers the 12-byte <paramref name="nonce"/>; false if it was seen within the horizon (a replay).</summary>
    public bool TryAdd(ReadOnlySpan<byte> nonce, long nowMs)
    {
        if (_generationStartMs == long.MinValue || nowMs - _generationStartMs >= horizonMs / 2 || _current.Count >= maxNonces)
        {
            (_previous, _current) = (_current, _previous);
            _current.Clear();
            _generationStartMs = nowMs;
        }

        var key = new NonceKey(BinaryPrimitives.ReadUInt64LittleEndian(nonce), BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]));
        return !_previous.Contains(key) && _current.Add(key);
    }

    private readonly record struct NonceKey(ulong Low, uint High);
}
