namespace Kcp.Transport.Crypto;

/// <summary>
/// Receive-side replay protection of one aes-128-gcm session (RFC 6479 bitmap) for datagrams whose nonce carries the
/// peer's salt (our peers send salt ‖ counter): exact, and without any shared state. Updated only after a successful
/// open. Not thread-safe: the session serializes calls.
/// </summary>
internal sealed class AeadReplayWindow(uint peerSalt)
{
    private const int Blocks = 32;                       // 2048 bits, window 1984 datagrams
    private const ulong WindowSize = (Blocks - 1) * 64;
    private readonly ulong[] _bitmap = new ulong[Blocks];
    private ulong _top;
    private bool _any;

    /// <summary>The salt of the first datagram the session accepted; only nonces with it go through this window.</summary>
    public uint PeerSalt { get; } = peerSalt;

    /// <summary>True (and remembered) if <paramref name="counter"/> was not seen and is not below the window.</summary>
    public bool TryAccept(ulong counter)
    {
        if (_any && counter <= _top)
        {
            if (_top - counter >= WindowSize)
            {
                return false;
            }
        }
        else
        {
            ulong from = _any ? (_top / 64) + 1 : counter / 64;
            ulong to = counter / 64;
            for (ulong block = from, n = 0; block <= to && n < Blocks; block++, n++)
            {
                _bitmap[block % Blocks] = 0;
            }

            _top = counter;
            _any = true;
        }

        ref ulong word = ref _bitmap[(counter / 64) % Blocks];
        ulong bit = 1UL << (int)(counter % 64);
        if ((word & bit) != 0)
        {
            return false;
        }

        word |= bit;
        return true;
    }
}
