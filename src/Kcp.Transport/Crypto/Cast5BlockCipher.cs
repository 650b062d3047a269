using System.Buffers.Binary;
using System.Numerics;
using System.Reflection;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kcp.Transport.Crypto;

/// <summary>
/// CAST-128 (RFC 2144) forward function. BouncyCastle's <c>Cast5Engine</c> allocates an array per block, which the
/// per-packet path must not do, so the rounds are ours. The S-boxes and the key schedule (masking and rotation keys)
/// still come from BouncyCastle: its engine is keyed once and its tables are read, so no constant is duplicated here.
/// The version is pinned centrally and the kcp-go known answers catch any change in those internals.
/// </summary>
internal sealed class Cast5BlockCipher : FunctionBlockCipher<Cast5BlockCipher.Function>
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private const BindingFlags PrivateStatic = BindingFlags.NonPublic | BindingFlags.Static;

    private readonly uint[] _masking;
    private readonly int[] _rotation;
    private readonly Function _function;

    /// <summary>Creates the cipher from a 5- to 16-byte key (kcptun passes 16).</summary>
    public Cast5BlockCipher(ReadOnlySpan<byte> key)
    {
        var engine = new Cast5Engine();
        engine.Init(forEncryption: true, new KeyParameter(key.ToArray()));
        Type type = typeof(Cast5Engine);
        uint[] masking = (uint[])ReadField(type, "_Km", Private, engine);
        int[] rotation = (int[])ReadField(type, "_Kr", Private, engine);
        int rounds = (int)ReadField(type, "_rounds", Private, engine);

        // Copies, so that clearing ours on Dispose is meaningful and the engine can be collected.
        _masking = (uint[])masking.Clone();
        _rotation = (int[])rotation.Clone();
        Array.Clear(masking);
        Array.Clear(rotation);
        _function = new Function(
            (uint[])ReadField(type, "S1", PrivateStatic, null),
            (uint[])ReadField(type, "S2", PrivateStatic, null),
            (uint[])ReadField(type, "S3", PrivateStatic, null),
            (uint[])ReadField(type, "S4", PrivateStatic, null),
            _masking,
            _rotation,
            rounds);
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

    private static object ReadField(Type type, string name, BindingFlags flags, object? instance) =>
        type.GetField(name, flags)?.GetValue(instance)
        ?? throw new NotSupportedException($"BouncyCastle's Cast5Engine has no field '{name}'; its internals changed.");

    /// <summary>The 16 (or 12) rounds; all tables are read-only after construction, so any thread may use it.</summary>
    internal readonly struct Function(uint[] s1, uint[] s2, uint[] s3, uint[] s4, uint[] km, int[] kr, int rounds)
        : IBlockFunction
    {
        public int BlockSize => 8;

        public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
        {
            uint l = BinaryPrimitives.ReadUInt32BigEndian(input);
            uint r = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);

            // BouncyCastle's key arrays are indexed from 1. Round types cycle 1, 2, 3 (RFC 2144 §2.2).
            for (int i = 1; i <= rounds; i++)
            {
                uint f;
                switch ((i - 1) % 3)
                {
                    case 0:
                    {
                        uint x = BitOperations.RotateLeft(km[i] + r, kr[i] & 31);
                        f = ((s1[x >> 24] ^ s2[(x >> 16) & 0xFF]) - s3[(x >> 8) & 0xFF]) + s4[x & 0xFF];
                        break;
                    }

                    case 1:
                    {
                        uint x = BitOperations.RotateLeft(km[i] ^ r, kr[i] & 31);
                        f = ((s1[x >> 24] - s2[(x >> 16) & 0xFF]) + s3[(x >> 8) & 0xFF]) ^ s4[x & 0xFF];
                        break;
                    }

                    default:
                    {
                        uint x = BitOperations.RotateLeft(km[i] - r, kr[i] & 31);
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
