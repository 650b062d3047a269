using System.Buffers.Binary;

namespace Kcp.Transport.Crypto;

/// <summary>
/// CAST-128's key schedule (RFC 2144 §2.4): 32 subkeys from a key zero-padded to 128 bits. The RFC names the key bytes
/// x0..xF and a scratch block z0..zF; here each is four big-endian words, and <see cref="Byte"/> reads byte 0x0..0xF.
/// </summary>
internal static class Cast5KeySchedule
{
    /// <summary>Writes K1..K32 to <paramref name="subkeys"/> (masking keys 1-16, then rotation keys 17-32).</summary>
    public static void Expand(ReadOnlySpan<byte> key, Span<uint> subkeys)
    {
        Span<byte> padded = stackalloc byte[16];
        padded.Clear();
        key.CopyTo(padded);
        Span<uint> x = stackalloc uint[4];
        Span<uint> z = stackalloc uint[4];
        for (int i = 0; i < 4; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt32BigEndian(padded[(4 * i)..]);
        }

        padded.Clear();
        uint[] s5 = Cast5SBoxes.S5, s6 = Cast5SBoxes.S6, s7 = Cast5SBoxes.S7, s8 = Cast5SBoxes.S8;

        // The RFC derives K1-K16 and then K17-K32 by the same steps, continuing from x.
        for (int o = 0; o < 32; o += 16)
        {
            ZFromX(x, z);
            subkeys[o + 0] = s5[Byte(z, 0x8)] ^ s6[Byte(z, 0x9)] ^ s7[Byte(z, 0x7)] ^ s8[Byte(z, 0x6)] ^ s5[Byte(z, 0x2)];
            subkeys[o + 1] = s5[Byte(z, 0xA)] ^ s6[Byte(z, 0xB)] ^ s7[Byte(z, 0x5)] ^ s8[Byte(z, 0x4)] ^ s6[Byte(z, 0x6)];
            subkeys[o + 2] = s5[Byte(z, 0xC)] ^ s6[Byte(z, 0xD)] ^ s7[Byte(z, 0x3)] ^ s8[Byte(z, 0x2)] ^ s7[Byte(z, 0x9)];
            subkeys[o + 3] = s5[Byte(z, 0xE)] ^ s6[Byte(z, 0xF)] ^ s7[Byte(z, 0x1)] ^ s8[Byte(z, 0x0)] ^ s8[Byte(z, 0xC)];
            XFromZ(z, x);
            subkeys[o + 4] = s5[Byte(x, 0x3)] ^ s6[Byte(x, 0x2)] ^ s7[Byte(x, 0xC)] ^ s8[Byte(x, 0xD)] ^ s5[Byte(x, 0x8)];
            subkeys[o + 5] = s5[Byte(x, 0x1)] ^ s6[Byte(x, 0x0)] ^ s7[Byte(x, 0xE)] ^ s8[Byte(x, 0xF)] ^ s6[Byte(x, 0xD)];
            subkeys[o + 6] = s5[Byte(x, 0x7)] ^ s6[Byte(x, 0x6)] ^ s7[Byte(x, 0x8)] ^ s8[Byte(x, 0x9)] ^ s7[Byte(x, 0x3)];
            subkeys[o + 7] = s5[Byte(x, 0x5)] ^ s6[Byte(x, 0x4)] ^ s7[Byte(x, 0xA)] ^ s8[Byte(x, 0xB)] ^ s8[Byte(x, 0x7)];
            ZFromX(x, z);
            subkeys[o + 8] = s5[Byte(z, 0x3)] ^ s6[Byte(z, 0x2)] ^ s7[Byte(z, 0xC)] ^ s8[Byte(z, 0xD)] ^ s5[Byte(z, 0x9)];
            subkeys[o + 9] = s5[Byte(z, 0x1)] ^ s6[Byte(z, 0x0)] ^ s7[Byte(z, 0xE)] ^ s8[Byte(z, 0xF)] ^ s6[Byte(z, 0xC)];
            subkeys[o + 10] = s5[Byte(z, 0x7)] ^ s6[Byte(z, 0x6)] ^ s7[Byte(z, 0x8)] ^ s8[Byte(z, 0x9)] ^ s7[Byte(z, 0x2)];
            subkeys[o + 11] = s5[Byte(z, 0x5)] ^ s6[Byte(z, 0x4)] ^ s7[Byte(z, 0xA)] ^ s8[Byte(z, 0xB)] ^ s8[Byte(z, 0x6)];
            XFromZ(z, x);
            subkeys[o + 12] = s5[Byte(x, 0x8)] ^ s6[Byte(x, 0x9)] ^ s7[Byte(x, 0x7)] ^ s8[Byte(x, 0x6)] ^ s5[Byte(x, 0x3)];
            subkeys[o + 13] = s5[Byte(x, 0xA)] ^ s6[Byte(x, 0xB)] ^ s7[Byte(x, 0x5)] ^ s8[Byte(x, 0x4)] ^ s6[Byte(x, 0x7)];
            subkeys[o + 14] = s5[Byte(x, 0xC)] ^ s6[Byte(x, 0xD)] ^ s7[Byte(x, 0x3)] ^ s8[Byte(x, 0x2)] ^ s7[Byte(x, 0x8)];
            subkeys[o + 15] = s5[Byte(x, 0xE)] ^ s6[Byte(x, 0xF)] ^ s7[Byte(x, 0x1)] ^ s8[Byte(x, 0x0)] ^ s8[Byte(x, 0xD)];
        }

        x.Clear();
        z.Clear();
    }

    // Each word uses the bytes of the words written before it, as the RFC's sequential lines do.
    private static void ZFromX(ReadOnlySpan<uint> x, Span<uint> z)
    {
        uint[] s5 = Cast5SBoxes.S5, s6 = Cast5SBoxes.S6, s7 = Cast5SBoxes.S7, s8 = Cast5SBoxes.S8;
        z[0] = x[0] ^ s5[Byte(x, 0xD)] ^ s6[Byte(x, 0xF)] ^ s7[Byte(x, 0xC)] ^ s8[Byte(x, 0xE)] ^ s7[Byte(x, 0x8)];
        z[1] = x[2] ^ s5[Byte(z, 0x0)] ^ s6[Byte(z, 0x2)] ^ s7[Byte(z, 0x1)] ^ s8[Byte(z, 0x3)] ^ s8[Byte(x, 0xA)];
        z[2] = x[3] ^ s5[Byte(z, 0x7)] ^ s6[Byte(z, 0x6)] ^ s7[Byte(z, 0x5)] ^ s8[Byte(z, 0x4)] ^ s5[Byte(x, 0x9)];
        z[3] = x[1] ^ s5[Byte(z, 0xA)] ^ s6[Byte(z, 0x9)] ^ s7[Byte(z, 0xB)] ^ s8[Byte(z, 0x8)] ^ s6[Byte(x, 0xB)];
    }

    private static void XFromZ(ReadOnlySpan<uint> z, Span<uint> x)
    {
        uint[] s5 = Cast5SBoxes.S5, s6 = Cast5SBoxes.S6, s7 = Cast5SBoxes.S7, s8 = Cast5SBoxes.S8;
        x[0] = z[2] ^ s5[Byte(z, 0x5)] ^ s6[Byte(z, 0x7)] ^ s7[Byte(z, 0x4)] ^ s8[Byte(z, 0x6)] ^ s7[Byte(z, 0x0)];
        x[1] = z[0] ^ s5[Byte(x, 0x0)] ^ s6[Byte(x, 0x2)] ^ s7[Byte(x, 0x1)] ^ s8[Byte(x, 0x3)] ^ s8[Byte(z, 0x2)];
        x[2] = z[1] ^ s5[Byte(x, 0x7)] ^ s6[Byte(x, 0x6)] ^ s7[Byte(x, 0x5)] ^ s8[Byte(x, 0x4)] ^ s5[Byte(z, 0x1)];
        x[3] = z[3] ^ s5[Byte(x, 0xA)] ^ s6[Byte(x, 0x9)] ^ s7[Byte(x, 0xB)] ^ s8[Byte(x, 0x8)] ^ s6[Byte(z, 0x3)];
    }

    /// <summary>Byte <paramref name="index"/> (0x0..0xF) of a 16-byte block held as four big-endian words.</summary>
    private static int Byte(ReadOnlySpan<uint> words, int index) =>
        (int)((words[index >> 2] >> (24 - (8 * (index & 3)))) & 0xFF);
}
