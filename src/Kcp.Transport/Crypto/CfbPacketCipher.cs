namespace Kcp.Transport.Crypto;

/// <summary>The kcp-go block-cipher modes: framing plus CFB over a <see cref="BlockCipher"/>.</summary>
internal sealed class CfbPacketCipher(string name, BlockCipher cipher) : FramedPacketCipher
{
    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <summary>The underlying block cipher.</summary>
    internal BlockCipher Cipher { get; } = cipher;

    /// <inheritdoc/>
    public override void Dispose()
    {
        Cipher.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override void Encrypt(Span<byte> datagram) => Cipher.CfbEncrypt(datagram);

    /// <inheritdoc/>
    protected override void EncryptMany(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
        => Cipher.CfbEncryptMany(region, stride, lengths);

    /// <inheritdoc/>
    protected override void Decrypt(Span<byte> datagram) => Cipher.CfbDecrypt(datagram);
}
