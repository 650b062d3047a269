using System.Buffers.Binary;

namespace Kcp.Transport.Crypto;

/// <summary>
/// One aes-128-gcm session: sends with its salt ‖ counter nonces into a buffer of its own (the tag makes the datagram
/// longer than the engine's buffer), and checks received nonces against its replay window, or the key's shared state
/// for nonces that do not carry the peer's salt. Not thread-safe: the session serializes calls.
/// </summary>
internal sealed class AesGcmSessionProtection : SessionProtection
{
    // kcp-go's largest datagram (mtuLimit): the first seal allocates room for it, so later ones never allocate.
    private const int MaxDatagramSize = 1500;

    private readonly AesGcmPacketCipher _key;
    private readonly uint _sendSalt;
    private ulong _counter;
    private byte[] _sealBuffer = [];
    private AeadReplayWindow? _window;
    private bool _ownsPeerSalt;
    private bool _disposed;

    /// <summary>Created by <see cref="AesGcmPacketCipher.CreateSession"/> with a send salt registered in the key.</summary>
    public AesGcmSessionProtection(AesGcmPacketCipher key, uint sendSalt, ulong counterStart)
    {
        _key = key;
        _sendSalt = sendSalt;
        _counter = counterStart;
    }

    /// <summary>The salt this session's nonces start with (registered in the key as ours until disposal).</summary>
    public uint SendSalt => _sendSalt;

    /// <summary>Copies the datagram behind the next nonce into the session's buffer, seals it there with the tag and returns it.</summary>
    public override ReadOnlySpan<byte> Seal(Span<byte> datagram)
    {
        if (datagram.Length < AesGcmPacketCipher.NonceSize)
        {
            throw new ArgumentException("The datagram has no room for the 12-byte nonce.", nameof(datagram));
        }

        int length = datagram.Length + AesGcmPacketCipher.TagSize;
        if (_sealBuffer.Length < length)
        {
            _sealBuffer = new byte[Math.Max(length, MaxDatagramSize + AesGcmPacketCipher.TagSize)];
        }

        Span<byte> sealedDatagram = _sealBuffer.AsSpan(0, length);
        datagram[AesGcmPacketCipher.NonceSize..].CopyTo(sealedDatagram[AesGcmPacketCipher.NonceSize..]);
        WriteNextNonce(sealedDatagram);
        _key.SealInPlace(sealedDatagram);
        return sealedDatagram;
    }

    /// <summary>
    /// Refuses our own salts (reflection) and replays: the exact window for nonces with the peer's salt, lock-free once
    /// the session owns that salt; the key's shared filter for any other nonce (kcp-go peers send random ones).
    /// </summary>
    public override PacketVerdict Accept(ReadOnlySpan<byte> datagram, long nowMs)
    {
        uint salt = AesGcmPacketCipher.SaltOf(datagram);
        if (_window is null)
        {
            PacketVerdict first = _key.TakePeerSalt(salt, out _ownsPeerSalt);
            if (first != PacketVerdict.Accepted)
            {
                return first;
            }

            _window = new AeadReplayWindow(salt);
        }
        else if (salt != _window.PeerSalt)
        {
            return _key.CheckShared(datagram, remember: true, nowMs);
        }
        else if (!_ownsPeerSalt)
        {
            // Another live session owns this salt (a race at session start), so the lock-free path is not safe here.
            PacketVerdict shared = _key.CheckShared(datagram, remember: false, nowMs);
            if (shared != PacketVerdict.Accepted)
            {
                return shared;
            }
        }

        ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(datagram[4..]);
        return _window.TryAccept(counter) ? PacketVerdict.Accepted : PacketVerdict.Replayed;
    }

    /// <summary>Releases the send salt and the owned peer salt in the key (then refused for the replay horizon).</summary>
    public override void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.ReleaseSession(_sendSalt, _ownsPeerSalt ? _window!.PeerSalt : null, _key.NowMs());
        }

        base.Dispose();
    }

    /// <summary>Writes salt ‖ counter (little endian) and advances the counter, which starts below 2^63 and cannot wrap.</summary>
    private void WriteNextNonce(Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, _sendSalt);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _counter++);
    }
}
