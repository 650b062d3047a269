using System.Buffers.Binary;
using System.IO.Hashing;

namespace Kcp.Transport.Crypto;

/// <summary>
/// kcp-go's nonce + CRC framing shared by the CFB family, salsa20, xor and none (kcp-wire.md §1.1 (b), §1.2 step 3,
/// §1.3 step 2): <c>| nonce 16 | CRC-32/IEEE LE of [20,end) | payload |</c>, then the whole datagram [0,end) goes
/// through the cipher. Subclasses provide only the whole-datagram transform, which must be safe to run on many threads
/// at once; each session draws its nonces from this key's <see cref="NonceGenerator"/>.
/// </summary>
internal abstract class FramedPacketCipher : PacketProtection
{
    /// <summary>Nonce plus checksum.</summary>
    public const int FrameHeaderSize = NonceGenerator.NonceSize + ChecksumSize;

    private const int ChecksumSize = 4;

    private readonly NonceGenerator _nonces = new();

    /// <inheritdoc/>
    public sealed override int HeaderSize => FrameHeaderSize;

    /// <inheritdoc/>
    public sealed override OpenResult Open(Span<byte> datagram)
    {
        if (datagram.Length < FrameHeaderSize)
        {
            return OpenResult.TooShort;
        }

        Decrypt(datagram);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(datagram[NonceGenerator.NonceSize..]);
        return Crc32.HashToUInt32(datagram[FrameHeaderSize..]) == expected ? OpenResult.Opened : OpenResult.Forged;
    }

    /// <inheritdoc/>
    public sealed override SessionProtection CreateSession() => new FramedSessionProtection(this, new NonceSequence(_nonces));

    /// <inheritdoc/>
    public override void Dispose()
    {
        _nonces.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    internal sealed override void SealWithNonce(Span<byte> datagram, ReadOnlySpan<byte> nonce)
    {
        ThrowIfTooShort(datagram);
        if (nonce.Length != NonceGenerator.NonceSize)
        {
            throw new ArgumentException("A nonce is 16 bytes.", nameof(nonce));
        }

        nonce.CopyTo(datagram);
        ChecksumAndEncrypt(datagram);
    }

    /// <summary>Writes the checksum of the payload behind the nonce already in place, then encrypts the whole datagram.</summary>
    internal void ChecksumAndEncrypt(Span<byte> datagram)
    {
        WriteChecksum(datagram);
        Encrypt(datagram);
    }

    // System.IO.Hashing's Crc32 is the zlib/IEEE CRC, the same as Go's crc32.ChecksumIEEE.
    private static void WriteChecksum(Span<byte> datagram)
        => BinaryPrimitives.WriteUInt32LittleEndian(datagram[NonceGenerator.NonceSize..], Crc32.HashToUInt32(datagram[FrameHeaderSize..]));

    /// <summary>Checksums, then encrypts, datagrams whose nonce is in place (<see cref="FramedSessionProtection.TryBeginSeal"/>).</summary>
    public sealed override void FinishSeals(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
    {
        for (int k = 0; k < lengths.Length; k++)
        {
            if (lengths[k] > stride)
            {
                throw new ArgumentException("A datagram is longer than the stride.", nameof(lengths));
            }

            Span<byte> datagram = region.Slice(k * stride, lengths[k]);
            ThrowIfTooShort(datagram);
            WriteChecksum(datagram);
        }

        EncryptMany(region, stride, lengths);
    }

    /// <summary>Refuses a datagram without room for the header: sealing it would be a bug of the caller.</summary>
    internal static void ThrowIfTooShort(Span<byte> datagram)
    {
        if (datagram.Length < FrameHeaderSize)
        {
            throw new ArgumentException("The datagram has no room for the 20-byte crypto header.", nameof(datagram));
        }
    }

    /// <summary>Encrypts the complete datagram in place, header included.</summary>
    protected abstract void Encrypt(Span<byte> datagram);

    /// <summary>
    /// <see cref="Encrypt"/> of several datagrams laid out as in <see cref="FinishSeals"/>; ciphers that can interleave
    /// independent datagrams override it.
    /// </summary>
    protected virtual void EncryptMany(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
    {
        for (int k = 0; k < lengths.Length; k++)
        {
            Encrypt(region.Slice(k * stride, lengths[k]));
        }
    }

    /// <summary>Decrypts the complete datagram in place, header included.</summary>
    protected abstract void Decrypt(Span<byte> datagram);
}
