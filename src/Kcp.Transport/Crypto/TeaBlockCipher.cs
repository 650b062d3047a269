using System.Buffers.Binary;

namespace Kcp.Transport.Crypto;

/// <summary>
/// TEA as kcp-go configures it: 16 Feistel rounds = 8 cycles (kcp-wire.md §4.4), big-endian words. Our own code because
/// library TEA engines (BouncyCastle's <c>TeaEngine</c> included) run the standard 32 cycles and are not compatible.
/// </summary>
internal sealed class TeaBlockCipher : FunctionBlockCipher<TeaBlockCipher.Function>
{
    private const uint Delta = 0x9E3779B9;
    private const int Cycles = 8;

    private Function _function;

    /// <summary>Creates the cipher from a 16-byte key.</summary>
    public TeaBlockCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != 16)
        {
            throw new ArgumentException("TEA needs a 16-byte key.", nameof(key));
        }

        _function = new Function(
            BinaryPrimitives.ReadUInt32BigEndian(key),
            BinaryPrimitives.ReadUInt32BigEndian(key[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(key[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(key[12..]));
    }

    /// <inheritdoc/>
    public override int BlockSize => 8;

    /// <inheritdoc/>
    protected override Function GetFunction() => _function;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        _function = default;
        base.Dispose(disposing);
    }

    /// <summary>The key words and the 8-cycle block function; immutable, so it is safe on any thread.</summary>
    internal readonly struct Function(uint k0, uint k1, uint k2, uint k3) : IBlockFunction
    {
        public int BlockSize => 8;

        public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
        {
            uint v0 = BinaryPrimitives.ReadUInt32BigEndian(input);
            uint v1 = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);
            uint sum = 0;
            for (int i = 0; i < Cycles; i++)
            {
                sum += Delta;
                v0 += ((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >> 5) + k1);
                v1 += ((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >> 5) + k3);
            }

            BinaryPrimitives.WriteUInt32BigEndian(output, v0);
            BinaryPrimitives.WriteUInt32BigEndian(output[4..], v1);
        }

        public void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output)
        {
            for (int i = 0; i + 8 <= input.Length; i += 8)
            {
                EncryptBlock(input.Slice(i, 8), output.Slice(i, 8));
            }
        }
    }
}
