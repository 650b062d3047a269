using System.Buffers.Binary;
using System.Numerics;

namespace Kcp.Transport.Crypto;

/// <summary>
/// CAST-128 (RFC 2144) forward function and key schedule. Our own rather than BouncyCastle's <c>Cast5Engine</c>: that
/// engine allocates per block, which the per-packet path must not do, and its key schedule is not public (reading it
/// by reflection broke under trimming and Native AOT).
/// </summary>
internal sealed class Cast5BlockCipher : FunctionBlockCipher<Cast5BlockCipher.Function>
{
    private readonly uint[] _masking = new uint[16];
    private readonly int[] _rotation = new int[16];
    private readonly Function _function;

    /// <summary>Creates the cipher from a 5- to 16-byte key (kcptun passes 16).</summary>
    public Cast5BlockCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length is < 5 or > 16)
        {
            throw new ArgumentException($"A CAST-128 key has 5 to 16 bytes (was {key.Length}).", nameof(key));
        }

        Span<uint> subkeys = stackalloc uint[32];
        Cast5KeySchedule.Expand(key, subkeys);
        for (int i = 0; i < 16; i++)
        {
            _masking[i] = subkeys[i];
            _rotation[i] = (int)(subkeys[16 + i] & 31);
        }

        subkeys.Clear();

        // RFC 2144 §2.5: keys of 80 bits or less run 12 rounds.
        _function = new Function(_masking, _rotation, key.Length <= 10 ? 12 : 16);
    }

    /// <inheritdoc/>
    public override int BlockSize => 8;

    /// <inheritdoc/>
    protected override Function GetFunction() => _function;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        Array.Clear(_masking);
        Array.Clear(_rotation);
        base.Dispose(disposing);
    }

    /// <summary>The 16 (or 12) rounds; all tables are read-only after construction, so any thread may use it.</summary>
    internal readonly struct Function(uint[] km, int[] kr, int rounds) : IBlockFunction
    {
        public int BlockSize => 8;

        public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
        {
            uint[] s1 = Cast5SBoxes.S1, s2 = Cast5SBoxes.S2, s3 = Cast5SBoxes.S3, s4 = Cast5SBoxes.S4;
            uint l = BinaryPrimitives.ReadUInt32BigEndian(input);
            uint r = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);

            // Round types cycle 1, 2, 3 (RFC 2144 §2.2).
            for (int i = 0; i < rounds; i++)
            {
                uint f;
                switch (i % 3)
                {
                    case 0:
                    {
                        uint x = BitOperations.RotateLeft(km[i] + r, kr[i]);
                        f = ((s1[x >> 24] ^ s2[(x >> 16) & 0xFF]) - s3[(x >> 8) & 0xFF]) + s4[x & 0xFF];
                        break;
                    }

                    case 1:
                    {
                        uint x = BitOperations.RotateLeft(km[i] ^ r, kr[i]);
                        f = ((s1[x >> 24] - s2[(x >> 16) & 0xFF]) + s3[(x >> 8) & 0xFF]) ^ s4[x & 0xFF];
                        break;
                    }

                    default:
                    {
                        uint x = BitOperations.RotateLeft(km[i] - r, kr[i]);
                        f = ((s1[x >> 24] + s2[(x >> 16) & 0xFF]) ^ s3[(x >> 8) & 0xFF]) - s4[x & 0xFF];
                        break;
                    }
                }

                (l, r) = (r, l ^ f);
            }

            // The halves leave swapped: ciphertext = R | L.
            BinaryPrimitives.WriteUInt32BigEndian(output, r);
            BinaryPrimitives.WriteUInt32BigEndian(output[4..], l);
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
