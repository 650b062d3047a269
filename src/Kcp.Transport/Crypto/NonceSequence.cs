namespace Kcp.Transport.Crypto;

/// <summary>
/// One session's draws from its key's <see cref="NonceGenerator"/>: a counter range reserved at a time, used up without
/// touching shared state. Not thread-safe: the session serializes calls.
/// </summary>
internal sealed class NonceSequence(NonceGenerator generator)
{
    private ulong _next;
    private ulong _end;

    /// <summary>Writes a fresh nonce into <paramref name="nonce"/> (exactly 16 bytes), reserving a new range when this one is used up.</summary>
    public void Fill(Span<byte> nonce)
    {
        if (_next == _end)
        {
            _next = generator.ReserveRange();
            _end = _next + NonceGenerator.RangeSize;
        }

        generator.Write(_next++, nonce);
    }
}
