using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// kcp-go's "xor" mode (kcp-wire.md §4.5): byte i of the datagram is XORed with byte i of a 1500-byte table derived by
/// PBKDF2-HMAC-SHA1(key, "sH3CIVoF#rWLtJo6", 32 iterations). Bytes past 1500 (never sent to kcp-go) stay unchanged,
/// as in kcp-go. This mode is obfuscation, not encryption: the table repeats for every datagram.
/// </summary>
internal sealed class XorPacketCipher : FramedPacketCipher
{
    /// <summary>kcp-go's table length, its largest datagram (mtuLimit).</summary>
    public const int TableSize = 1500;

    private const int Iterations = 32;

    private static ReadOnlySpan<byte> Salt => "sH3CIVoF#rWLtJo6"u8;

    private readonly byte[] _table;

    /// <summary>Derives the table from the key bytes (kcptun passes its 32-byte pass).</summary>
    public XorPacketCipher(ReadOnlySpan<byte> key) =>
        _table = Rfc2898DeriveBytes.Pbkdf2(key, Salt, Iterations, HashAlgorithmName.SHA1, TableSize);

    /// <inheritdoc/>
    public override string Name => "xor";

    /// <summary>The derived table, for tests.</summary>
    internal ReadOnlySpan<byte> Table => _table;

    /// <inheritdoc/>
    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(_table);
        base.Dispose();
    }

    /// <summary>Applies the table; encryption and decryption are the same operation.</summary>
    internal void Transform(Span<byte> datagram) =>
        CryptoXor.Apply(datagram, _table.AsSpan(0, Math.Min(datagram.Length, TableSize)));

    /// <inheritdoc/>
    protected override void Encrypt(Span<byte> datagram) => Transform(datagram);

    /// <inheritdoc/>
    protected override void Decrypt(Span<byte> datagram) => Transform(datagram);
}
