// TEMPORARY: replaced by the packet-protection abstraction of the crypto branch.
using System.Buffers.Binary;

namespace Kcp.Transport.Crypto;

internal enum OpenResult { Opened, TooShort, Forged }

internal enum PacketVerdict { Accepted, Replayed, Reflected }

internal abstract class PacketProtection : IDisposable
{
    public abstract int HeaderSize { get; }
    public virtual int TrailerSize => 0;
    public abstract OpenResult Open(Span<byte> datagram);
    public abstract SessionProtection CreateSession();
    public virtual bool IsReflected(ReadOnlySpan<byte> datagram) => false;
    public virtual PacketVerdict AdmitNewPeer(ReadOnlySpan<byte> datagram, long nowMs) => PacketVerdict.Accepted;
    public virtual void Dispose() { }
}

internal abstract class SessionProtection : IDisposable
{
    public abstract ReadOnlySpan<byte> Seal(Span<byte> datagram);
    public virtual PacketVerdict Accept(ReadOnlySpan<byte> datagram, long nowMs) => PacketVerdict.Accepted;
    public virtual void Dispose() { }
}

internal sealed class ShimProtection(PacketCipher? cipher) : PacketProtection
{
    public override int HeaderSize => cipher?.HeaderSize ?? 0;
    public override int TrailerSize => cipher?.TrailerSize ?? 0;

    public override OpenResult Open(Span<byte> datagram)
    {
        if (cipher is null) return OpenResult.Opened;
        if (datagram.Length < cipher.HeaderSize + cipher.TrailerSize) return OpenResult.TooShort;
        return cipher.TryOpen(datagram) ? OpenResult.Opened : OpenResult.Forged;
    }

    public override SessionProtection CreateSession() => cipher is AesGcmPacketCipher gcm ? new GcmSession(gcm) : new Plain(cipher);

    public override bool IsReflected(ReadOnlySpan<byte> datagram) => cipher is AesGcmPacketCipher gcm && gcm.IsOwnSalt(AesGcmPacketCipher.SaltOf(datagram));

    public override PacketVerdict AdmitNewPeer(ReadOnlySpan<byte> datagram, long nowMs)
        => cipher is AesGcmPacketCipher gcm && !gcm.TryClaimPeerSalt(datagram[..12], nowMs) ? PacketVerdict.Replayed : PacketVerdict.Accepted;

    public override void Dispose() => cipher?.Dispose();

    private sealed class Plain(PacketCipher? cipher) : SessionProtection
    {
        public override ReadOnlySpan<byte> Seal(Span<byte> datagram)
        {
            cipher?.Seal(datagram);
            return datagram;
        }
    }

    private sealed class GcmSession(AesGcmPacketCipher gcm) : SessionProtection
    {
        private readonly AeadSendNonce _nonce = gcm.CreateSendNonce();
        private readonly byte[] _buffer = new byte[1600];
        private AeadReplayWindow? _window;

        public override ReadOnlySpan<byte> Seal(Span<byte> datagram)
        {
            Span<byte> sealedDatagram = _buffer.AsSpan(0, datagram.Length + 16);
            datagram.CopyTo(sealedDatagram);
            gcm.Seal(sealedDatagram, _nonce);
            return sealedDatagram;
        }

        public override PacketVerdict Accept(ReadOnlySpan<byte> datagram, long nowMs)
        {
            ReadOnlySpan<byte> nonce = datagram[..12];
            uint salt = AesGcmPacketCipher.SaltOf(nonce);
            if (salt == _nonce.Salt || gcm.IsOwnSalt(salt)) return PacketVerdict.Reflected;
            ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(nonce[4..]);
            _window ??= new AeadReplayWindow(salt);
            bool fresh = salt == _window.PeerSalt ? _window.TryAccept(counter) : gcm.TryRemember(nonce, nowMs);
            return fresh ? PacketVerdict.Accepted : PacketVerdict.Replayed;
        }

        public override void Dispose()
        {
            gcm.ReleaseSendNonce(_nonce);
            if (_window is { } w) gcm.ReleasePeerSalt(w.PeerSalt, Environment.TickCount64);
        }
    }
}

internal static class PacketLayout
{
    public const int AeadNonceSize = 12;
    public const int AeadTagSize = 16;
    public const int MaxDatagramSize = 1500;

    public static int CryptHeader(string crypt) => crypt switch { "null" => 0, KcpCrypt.AesGcmName => AeadNonceSize, _ => 20 };

    public static int CryptTrailer(string crypt) => crypt == KcpCrypt.AesGcmName ? AeadTagSize : 0;

    public static int HeaderSize(KcpOptions options) => CryptHeader(options.Crypt) + (options.DataShards > 0 && options.ParityShards > 0 ? 8 : 0);
}
