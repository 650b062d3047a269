using Kcp.Transport.Crypto;

namespace Kcp.Transport;

/// <summary>Header arithmetic of the layers between KCP and UDP (kcp-wire.md §1.4, 5.6.1 rules).</summary>
internal static class PacketLayout
{
    /// <summary>Nonce (16) and CRC-32 (4) in front of every CFB-family datagram, "none" included.</summary>
    public const int CryptHeaderSize = 20;

    /// <summary>FEC seqid (4), type (2) and the data shard's size field (2).</summary>
    public const int FecHeaderSizePlus2 = Fec.FecPacket.HeaderSizePlus2;

    /// <summary>kcp-go's receive buffer size; longer datagrams never reach a kcp-go peer intact.</summary>
    public const int MaxDatagramSize = Fec.FecPacket.MaxDatagramSize;

    /// <summary>aes-128-gcm: the 12-byte nonce in clear in front of the ciphertext (kcp-go >= 5.6.49).</summary>
    public const int AeadNonceSize = 12;

    /// <summary>aes-128-gcm: the 16-byte tag after the ciphertext.</summary>
    public const int AeadTagSize = 16;

    public static int CryptHeader(string crypt) => crypt switch
    {
        "null" => 0,
        KcpCrypt.AesGcmName => AeadNonceSize,
        _ => CryptHeaderSize,
    };

    /// <summary>Bytes after the payload: the AEAD tag, none for the classic modes.</summary>
    public static int CryptTrailer(string crypt) => crypt == KcpCrypt.AesGcmName ? AeadTagSize : 0;

    public static bool FecEnabled(KcpOptions options) => options.DataShards > 0 && options.ParityShards > 0;

    /// <summary>Head-room the KCP engine reserves in front of its segments for FEC and crypto headers.</summary>
    public static int HeaderSize(KcpOptions options)
        => CryptHeader(options.Crypt) + (FecEnabled(options) ? FecHeaderSizePlus2 : 0);

    /// <summary>
    /// The receive steps every socket runs before routing a datagram (kcp-wire.md §1.3): size limit, decryption and
    /// checksum (or AEAD open), header removal, minimum KCP length. On success <paramref name="packet"/> is the FEC or
    /// KCP part and <paramref name="nonce"/> the authenticated AEAD nonce (empty for other ciphers).
    /// </summary>
    public static bool TryOpen(
        PacketCipher? cipher, Span<byte> datagram, out Span<byte> packet, out ReadOnlySpan<byte> nonce, out Diagnostics.PacketDropReason reason)
    {
        packet = datagram;
        nonce = default;
        reason = default;
        if (datagram.Length > MaxDatagramSize)
        {
            reason = Diagnostics.PacketDropReason.TooLong;
            return false;
        }

        if (cipher is not null)
        {
            if (datagram.Length < cipher.HeaderSize + cipher.TrailerSize)
            {
                reason = Diagnostics.PacketDropReason.DecryptFailed;
                return false;
            }

            if (!cipher.TryOpen(datagram))
            {
                reason = Diagnostics.PacketDropReason.BadChecksum;
                return false;
            }

            packet = datagram[cipher.HeaderSize..^cipher.TrailerSize];
            if (cipher is AesGcmPacketCipher)
            {
                nonce = datagram[..cipher.HeaderSize];
            }
        }

        if (packet.Length < KcpPacketInspector.KcpHeaderSize)
        {
            reason = Diagnostics.PacketDropReason.TooShort;
            return false;
        }

        return true;
    }
}
