namespace KcpCat;

/// <summary>
/// The deterministic byte stream kcpcat and the Go peer send in their benchmark modes: splitmix64 seeded with 1,
/// each 64-bit output written little-endian. Both sides can generate and check it without sharing data.
/// </summary>
internal sealed class TestStream
{
    private ulong _state = 1;
    private ulong _word;
    private int _wordOffset = 8;

    /// <summary>Writes the next bytes of the stream into <paramref name="destination"/>.</summary>
    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            if (_wordOffset == 8)
            {
                _word = Next();
                _wordOffset = 0;
            }

            destination[i] = (byte)(_word >> (8 * _wordOffset++));
        }
    }

    private ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
