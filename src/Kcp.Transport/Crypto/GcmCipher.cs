using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// AES-GCM with a 12-byte nonce, a 16-byte tag and no associated data, as aes-128-gcm uses it; thread-safe. The x86 one
/// (<see cref="AesNiGcm"/>) where the CPU has AES and carry-less multiply instructions: the platform's
/// <see cref="AesGcm"/> costs more per call (OpenSSL context set-up and error-queue handling) than a whole datagram's
/// encryption, and it needs an instance per thread.
/// </summary>
internal abstract class GcmCipher : IDisposable
{
    /// <summary>The fast one for this CPU, else the platform's.</summary>
    public static GcmCipher Create(ReadOnlySpan<byte> key) => AesNiGcm.IsSupported ? new AesNiGcm(key) : new PlatformGcm(key);

    /// <summary>Encrypts <paramref name="text"/> in place and writes the tag.</summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag);

    /// <summary>Checks the tag, then decrypts <paramref name="text"/> in place; false (and <paramref name="text"/> unspecified) when it does not match.</summary>
    public abstract bool Open(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag);

    /// <summary>Clears key material.</summary>
    public abstract void Dispose();

    /// <summary>The platform's AES-GCM, one instance per thread (an instance is not safe for concurrent use).</summary>
    private sealed class PlatformGcm : GcmCipher
    {
        private readonly byte[] _key;
        private readonly ThreadLocal<AesGcm> _aes;

        public PlatformGcm(ReadOnlySpan<byte> key)
        {
            _key = key.ToArray();
            _aes = new ThreadLocal<AesGcm>(() => new AesGcm(_key, AesGcmPacketCipher.TagSize), trackAllValues: true);
        }

        public override void Seal(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag) => _aes.Value!.Encrypt(nonce, text, text, tag);

        public override bool Open(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag)
        {
            try
            {
                _aes.Value!.Decrypt(nonce, text, tag, text);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public override void Dispose()
        {
            foreach (AesGcm instance in _aes.Values)
            {
                instance.Dispose();
            }

            _aes.Dispose();

            CryptographicOperations.ZeroMemory(_key);
        }
    }
}
