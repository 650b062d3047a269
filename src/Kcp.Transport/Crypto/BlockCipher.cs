namespace Kcp.Transport.Crypto;

/// <summary>
/// One keyed block cipher in the forward direction only, plus kcp-go's CFB construction over it (kcp-wire.md §4.1).
/// Implementations are safe for concurrent use; those whose primitive keeps mutable state use one primitive per thread.
/// </summary>
internal abstract class BlockCipher : IDisposable
{
    /// <summary>Cipher block size in bytes: 8 or 16.</summary>
    public abstract int BlockSize { get; }

    /// <summary>Encrypts exactly one block; <paramref name="input"/> and <paramref name="output"/> may be the same memory.</summary>
    public abstract void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output);

    /// <summary>
    /// Encrypts consecutive independent blocks (ECB). Lets implementations pipeline or batch, which CFB decryption can use
    /// because all of its block-cipher inputs are ciphertext that is already known.
    /// </summary>
    public abstract void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output);

    /// <summary>kcp-go CFB encryption of <paramref name="data"/> in place (fixed IV, full-block feedback, partial tail).</summary>
    public abstract void CfbEncrypt(Span<byte> data);

    /// <summary>
    /// <see cref="CfbEncrypt"/> of several datagrams, datagram k being <c>region[(k * stride)..][..lengths[k]]</c>. Each
    /// datagram is a serial chain, but chains are independent: implementations run several side by side, as one chain
    /// keeps the block pipeline mostly idle.
    /// </summary>
    public virtual void CfbEncryptMany(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
    {
        for (int k = 0; k < lengths.Length; k++)
        {
            if (lengths[k] > stride)
            {
                throw new ArgumentException("A datagram is longer than the stride.", nameof(lengths));
            }

            CfbEncrypt(region.Slice(k * stride, lengths[k]));
        }
    }

    /// <summary>kcp-go CFB decryption of <paramref name="data"/> in place.</summary>
    public abstract void CfbDecrypt(Span<byte> data);

    /// <summary>Clears key material.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources; override to clear key schedules.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
