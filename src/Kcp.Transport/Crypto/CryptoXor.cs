using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Kcp.Transport.Crypto;

/// <summary>Vectorised in-place XOR, the inner step of every keystream mode here.</summary>
internal static class CryptoXor
{
    /// <summary>XORs <paramref name="keystream"/> into the first <c>keystream.Length</c> bytes of <paramref name="data"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int n = keystream.Length;
        if ((uint)n > (uint)data.Length)
        {
            ThrowTooShort();
        }

        ref byte d = ref MemoryMarshal.GetReference(data);
        ref byte k = ref MemoryMarshal.GetReference(keystream);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= n; i += 32)
            {
                var v = Vector256.LoadUnsafe(ref d, (nuint)i) ^ Vector256.LoadUnsafe(ref k, (nuint)i);
                v.StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i + 16 <= n; i += 16)
        {
            var v = Vector128.LoadUnsafe(ref d, (nuint)i) ^ Vector128.LoadUnsafe(ref k, (nuint)i);
            v.StoreUnsafe(ref d, (nuint)i);
        }

        if (i + 8 <= n)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i),
                Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref k, i)));
            i += 8;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) ^= Unsafe.Add(ref k, i);
        }
    }

    private static void ThrowTooShort() =>
        throw new ArgumentException("The keystream is longer than the data it should be applied to.");
}
