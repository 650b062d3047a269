using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace KcpCat;

/// <summary>
/// The deterministic payload kcpcat and the Go peer (tests/GoPeer/stream.go) generate on their own: splitmix64 seeded
/// with 1, every 64-bit output written little-endian, concatenated and truncated. Generating it on both ends lets a
/// transfer be verified without shipping a reference copy.
/// </summary>
internal sealed class TestStream
{
    private ulong _state = 1;
    private ulong _word;
    private int _used = sizeof(ulong); // bytes of _word already handed out; 8 means "draw the next word"

    /// <summary>Bytes produced so far.</summary>
    public long Position { get; private set; }

    /// <summary>Writes the next <c>destination.Length</c> bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        Position += destination.Length;

        // The rest of the current word, then whole words, then the start of the next one: the generator must not cost
        // more than the transport it feeds (the Go peer copies word by word too).
        int i = 0;
        while (_used < sizeof(ulong) && i < destination.Length)
        {
            destination[i++] = (byte)(_word >> (8 * _used++));
        }

        for (; i + sizeof(ulong) <= destination.Length; i += sizeof(ulong))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], Next());
        }

        if (i < destination.Length)
        {
            _word = Next();
            _used = 0;
            while (i < destination.Length)
            {
                destination[i++] = (byte)(_word >> (8 * _used++));
            }
        }
    }

    /// <summary>The first <paramref name="length"/> bytes of the stream.</summary>
    public static byte[] Create(int length)
    {
        var bytes = new byte[length];
        new TestStream().Fill(bytes);
        return bytes;
    }

    /// <summary>Lower-case hex SHA-256 of the first <paramref name="length"/> bytes, as the peers print it.</summary>
    public static string Sha256Hex(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = new TestStream();
        var chunk = new byte[64 * 1024];
        for (long left = length; left > 0;)
        {
            int n = (int)Math.Min(chunk.Length, left);
            stream.Fill(chunk.AsSpan(0, n));
            hash.AppendData(chunk, 0, n);
            left -= n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
