using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// kcptun's <c>aes-128-gcm</c> (kcp-go >= v5.6.49): datagram = nonce (12, clear) ‖ AES-GCM ciphertext ‖ tag (16); no
/// CRC, no associated data; with FEC every data and parity datagram is sealed on its own. Our sessions send nonces made
/// of a per-session random salt (4 bytes) and a counter (8 bytes, little endian, random start), which upstream peers
/// accept as any other nonce. One instance per key: it also keeps the per-key replay filter, the salts our sessions send
/// with (reflection guard) and the salts of peers seen recently (replay of a first datagram from another address).
/// </summary>
internal sealed class AesGcmPacketCipher : PacketCipher
{
    /// <summary>kcptun's name of this mode.</summary>
    public const string CipherName = "aes-128-gcm";

    /// <summary>The 12-byte nonce in clear in front of the ciphertext.</summary>
    public const int NonceSize = 12;

    /// <summary>The 16-byte tag after the ciphertext.</summary>
    public const int TagSize = 16;

    /// <summary>NIST SP 800-38D limit on random 96-bit nonces under one key; we warn at half of it.</summary>
    public const long NonceBudget = 1L << 32;

    private readonly byte[] _key;
    private readonly ThreadLocal<AesGcm> _aes;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, int> _sendSalts = [];
    private readonly Dictionary<uint, long> _peerSalts = [];   // salt -> expiry (long.MaxValue while its session lives)
    private HashSet<NonceKey> _currentNonces = [];
    private HashSet<NonceKey> _previousNonces = [];
    private long _generationStartMs = long.MinValue;
    private long _sealed;
    private int _budgetWarnings;

    public AesGcmPacketCipher(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        _aes = new ThreadLocal<AesGcm>(() => new AesGcm(_key, TagSize), trackAllValues: true);
    }

    /// <inheritdoc/>
    public override string Name => CipherName;

    /// <inheritdoc/>
    public override int HeaderSize => NonceSize;

    /// <inheritdoc/>
    public override int TrailerSize => TagSize;

    /// <summary>Datagrams sealed with this key so far.</summary>
    public long SealedCount => Volatile.Read(ref _sealed);

    /// <summary>Called (once at 2^31, once at 2^32 sealed datagrams) so the owner can warn that the key must be rotated.</summary>
    public Action<long>? NonceBudgetWarning { get; set; }

    /// <summary>Replay horizon for peers with random nonces.</summary>
    public long ReplayHorizonMs { get; set; } = 60_000;

    /// <summary>Most nonces per generation of the replay filter.</summary>
    public int MaxRememberedNonces { get; set; } = 1 << 20;

    /// <summary>Seals with a random nonce (as kcp-go does). Sessions use <see cref="Seal(Span{byte}, AeadSendNonce)"/>.</summary>
    public override void Seal(Span<byte> datagram)
    {
        RandomNumberGenerator.Fill(datagram[..NonceSize]);
        SealInPlace(datagram);
    }

    /// <summary>Seals with the session's next salt ‖ counter nonce.</summary>
    public void Seal(Span<byte> datagram, AeadSendNonce nonce)
    {
        nonce.WriteNext(datagram[..NonceSize]);
        SealInPlace(datagram);
    }

    /// <inheritdoc/>
    internal override void SealWithNonce(Span<byte> datagram, ReadOnlySpan<byte> nonce)
    {
        nonce[..NonceSize].CopyTo(datagram);
        SealInPlace(datagram);
    }

    /// <inheritdoc/>
    public override bool TryOpen(Span<byte> datagram)
    {
        if (datagram.Length < NonceSize + TagSize)
        {
            return false;
        }

        Span<byte> text = datagram[NonceSize..^TagSize];
        try
        {
            _aes.Value!.Decrypt(datagram[..NonceSize], text, datagram[^TagSize..], text);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    /// <summary>The first four nonce bytes: the sender's salt if it is one of ours.</summary>
    public static uint SaltOf(ReadOnlySpan<byte> nonce) => BinaryPrimitives.ReadUInt32LittleEndian(nonce);

    /// <summary>A new send-nonce sequence whose salt is registered as ours (refused on receive: reflection guard).</summary>
    public AeadSendNonce CreateSendNonce()
    {
        Span<byte> random = stackalloc byte[12];
        lock (_lock)
        {
            uint salt;
            do
            {
                RandomNumberGenerator.Fill(random);
                salt = BinaryPrimitives.ReadUInt32LittleEndian(random);
            }
            while (_sendSalts.ContainsKey(salt) || _peerSalts.ContainsKey(salt));

            _sendSalts[salt] = 1;
            // Start below 2^63 so the counter never wraps within a session.
            ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(random[4..]) >> 1;
            return new AeadSendNonce(salt, counter);
        }
    }

    /// <summary>Forgets a closed session's send salt.</summary>
    public void ReleaseSendNonce(AeadSendNonce nonce)
    {
        lock (_lock)
        {
            _sendSalts.Remove(nonce.Salt);
        }
    }

    /// <summary>True if <paramref name="salt"/> is one our sessions send with: a datagram of ours came back.</summary>
    public bool IsOwnSalt(uint salt)
    {
        lock (_lock)
        {
            return _sendSalts.ContainsKey(salt);
        }
    }

    /// <summary>
    /// A new session's first datagram: refused if its salt belongs to a live or recently closed peer (a first datagram
    /// replayed from another address) or its nonce was seen; otherwise the salt is claimed until <see cref="ReleasePeerSalt"/>.
    /// </summary>
    public bool TryClaimPeerSalt(ReadOnlySpan<byte> nonce, long nowMs)
    {
        uint salt = SaltOf(nonce);
        lock (_lock)
        {
            if (_peerSalts.TryGetValue(salt, out long expiry) && expiry > nowMs)
            {
                return false;
            }

            if (!RememberLocked(nonce, nowMs))
            {
                return false;
            }

            if (_peerSalts.Count > MaxRememberedNonces)
            {
                PruneLocked(nowMs);
            }

            _peerSalts[salt] = long.MaxValue;
            return true;
        }
    }

    /// <summary>The session of a claimed peer salt closed: keep refusing the salt for the replay horizon.</summary>
    public void ReleasePeerSalt(uint salt, long nowMs)
    {
        lock (_lock)
        {
            _peerSalts[salt] = nowMs + ReplayHorizonMs;
        }
    }

    /// <summary>Per-key filter for peers with random nonces: false if the nonce was seen within the horizon.</summary>
    public bool TryRemember(ReadOnlySpan<byte> nonce, long nowMs)
    {
        lock (_lock)
        {
            return RememberLocked(nonce, nowMs);
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        foreach (AesGcm aes in _aes.Values)
        {
            aes.Dispose();
        }

        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_key);
        base.Dispose();
    }

    private void SealInPlace(Span<byte> datagram)
    {
        Span<byte> text = datagram[NonceSize..^TagSize];
        _aes.Value!.Encrypt(datagram[..NonceSize], text, text, datagram[^TagSize..]);
        long count = Interlocked.Increment(ref _sealed);
        if (count >= NonceBudget / 2 && Interlocked.CompareExchange(ref _budgetWarnings, 1, 0) == 0
            || count >= NonceBudget && Interlocked.CompareExchange(ref _budgetWarnings, 2, 1) == 1)
        {
            NonceBudgetWarning?.Invoke(count);
        }
    }

    private bool RememberLocked(ReadOnlySpan<byte> nonce, long nowMs)
    {
        // Two generations, each half the horizon: a nonce is remembered for at least half, at most the whole horizon.
        if (_generationStartMs == long.MinValue || nowMs - _generationStartMs >= ReplayHorizonMs / 2
            || _currentNonces.Count >= MaxRememberedNonces)
        {
            (_previousNonces, _currentNonces) = (_currentNonces, _previousNonces);
            _currentNonces.Clear();
            _generationStartMs = nowMs;
        }

        var key = new NonceKey(BinaryPrimitives.ReadUInt64LittleEndian(nonce), BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]));
        return !_previousNonces.Contains(key) && _currentNonces.Add(key);
    }

    private void PruneLocked(long nowMs)
    {
        foreach (KeyValuePair<uint, long> entry in _peerSalts)
        {
            if (entry.Value <= nowMs)
            {
                _peerSalts.Remove(entry.Key);
            }
        }
    }

    private readonly record struct NonceKey(ulong Low, uint High);
}

/// <summary>One session's send nonces: its random salt, then a counter that never repeats within the session.</summary>
internal sealed class AeadSendNonce(uint salt, ulong start)
{
    private ulong _counter = start;

    public uint Salt { get; } = salt;

    /// <summary>Writes salt ‖ counter (little endian) and advances the counter. Callers serialize (the session's gate).</summary>
    public void WriteNext(Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, Salt);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _counter++);
    }
}

/// <summary>
/// Receive-side replay protection of one session (RFC 6479 bitmap): datagrams whose nonce carries the peer's salt (our
/// peers send salt ‖ counter) pass through an exact sliding window; others (random nonces: kcp-go) through the cipher's
/// per-key filter. Updated only after a successful open. Callers serialize (the session's gate).
/// </summary>
internal sealed class AeadReplayWindow(uint peerSalt)
{
    private const int Blocks = 32;                       // 2048 bits, window 1984 datagrams
    private const ulong WindowSize = (Blocks - 1) * 64;
    private readonly ulong[] _bitmap = new ulong[Blocks];
    private ulong _top;
    private bool _any;

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
