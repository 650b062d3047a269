using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// kcptun's <c>aes-128-gcm</c> (kcp-go >= v5.6.49): datagram = nonce (12, clear) ‖ AES-GCM ciphertext ‖ tag (16); no
/// CRC, no associated data; with FEC every data and parity datagram is sealed on its own (kcp-wire.md §4.6). Our sessions
/// send nonces made of a per-session random salt (4 bytes) and a counter (8 bytes, little endian, random start), which
/// upstream peers accept as any other nonce. One instance per key: besides the cipher it keeps, under one lock, the salts
/// our sessions send with (reflection guard), the salts of peers seen recently (a first datagram replayed from another
/// address) and the filter of random nonces (kcp-go peers).
/// </summary>
internal sealed class AesGcmPacketCipher : PacketProtection
{
    /// <summary>kcptun's name of this mode.</summary>
    public const string CipherName = "aes-128-gcm";

    /// <summary>The 12-byte nonce in clear in front of the ciphertext.</summary>
    public const int NonceSize = 12;

    /// <summary>The 16-byte tag after the ciphertext.</summary>
    public const int TagSize = 16;

    /// <summary>NIST SP 800-38D limit on random 96-bit nonces under one key; we warn at half of it.</summary>
    public const long NonceBudget = 1L << 32;

    // A peer salt's expiry while a session owns it; a claim not yet taken by its session and a released one expire.
    private const long Owned = long.MaxValue;

    private readonly GcmCipher _gcm;
    private readonly ProtectionSettings _settings;
    private readonly Lock _lock = new();
    private readonly HashSet<uint> _sendSalts = [];
    private readonly Dictionary<uint, long> _peerSalts = [];   // salt -> expiry (Owned while its session lives)
    private readonly AeadNonceFilter _nonces;
    private long _sealed;
    private int _budgetWarnings;

    /// <summary>Creates the mode from a 16-byte key; <paramref name="settings"/> sets the replay horizon and the budget warning.</summary>
    public AesGcmPacketCipher(ReadOnlySpan<byte> key, ProtectionSettings settings)
    {
        _gcm = GcmCipher.Create(key);
        _settings = settings;
        _nonces = new AeadNonceFilter(settings.ReplayHorizonMs, settings.MaxRememberedNonces);
    }

    /// <inheritdoc/>
    public override string Name => CipherName;

    /// <inheritdoc/>
    public override int HeaderSize => NonceSize;

    /// <inheritdoc/>
    public override int TrailerSize => TagSize;

    /// <summary>Datagrams sealed with this key so far.</summary>
    public long SealedCount => Volatile.Read(ref _sealed);

    /// <summary>The first four nonce bytes: the sender's salt if it is one of ours.</summary>
    public static uint SaltOf(ReadOnlySpan<byte> nonce) => BinaryPrimitives.ReadUInt32LittleEndian(nonce);

    /// <inheritdoc/>
    public override OpenResult Open(Span<byte> datagram)
    {
        if (datagram.Length < NonceSize + TagSize)
        {
            return OpenResult.TooShort;
        }

        return _gcm.Open(datagram[..NonceSize], datagram[NonceSize..^TagSize], datagram[^TagSize..]) ? OpenResult.Opened : OpenResult.Forged;
    }

    /// <summary>A new session with a fresh send salt, registered as ours until the session is disposed (reflection guard).</summary>
    public override SessionProtection CreateSession()
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
            while (_sendSalts.Contains(salt) || _peerSalts.ContainsKey(salt));

            _sendSalts.Add(salt);

            // Start below 2^63 so the counter never wraps within a session.
            ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(random[4..]) >> 1;
            return new AesGcmSessionProtection(this, salt, counter);
        }
    }

    /// <inheritdoc/>
    public override bool IsReflected(ReadOnlySpan<byte> datagram) => datagram.Length >= NonceSize && IsOwnSalt(SaltOf(datagram));

    /// <summary>
    /// Refuses a reflected salt, a salt claimed by a live or recently closed peer, or a nonce seen within the horizon;
    /// otherwise claims the salt: for the replay horizon until the new session's first <see cref="SessionProtection.Accept"/>
    /// takes it over, then until that session is disposed, then again for the horizon.
    /// </summary>
    public override PacketVerdict AdmitNewPeer(ReadOnlySpan<byte> datagram, long nowMs)
    {
        uint salt = SaltOf(datagram);
        lock (_lock)
        {
            if (_sendSalts.Contains(salt))
            {
                return PacketVerdict.Reflected;
            }

            if (_peerSalts.TryGetValue(salt, out long expiry) && expiry > nowMs)
            {
                return PacketVerdict.Replayed;
            }

            if (!_nonces.TryAdd(datagram, nowMs))
            {
                return PacketVerdict.Replayed;
            }

            if (_peerSalts.Count > _settings.MaxRememberedNonces)
            {
                PruneLocked(nowMs);
            }

            _peerSalts[salt] = nowMs + _settings.ReplayHorizonMs;
            return PacketVerdict.Accepted;
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _gcm.Dispose();
        base.Dispose();
    }

    /// <summary>Seals <paramref name="datagram"/> (nonce, plaintext, room for the tag) in place with its caller-chosen nonce.</summary>
    internal override void SealWithNonce(Span<byte> datagram, ReadOnlySpan<byte> nonce)
    {
        nonce[..NonceSize].CopyTo(datagram);
        SealInPlace(datagram);
    }

    /// <summary>Encrypts between the nonce already in place and the tag room, writes the tag and counts the nonce budget.</summary>
    internal void SealInPlace(Span<byte> datagram)
    {
        _gcm.Seal(datagram[..NonceSize], datagram[NonceSize..^TagSize], datagram[^TagSize..]);
        long count = Interlocked.Increment(ref _sealed);
        if (count >= NonceBudget / 2 && Interlocked.CompareExchange(ref _budgetWarnings, 1, 0) == 0
            || count >= NonceBudget && Interlocked.CompareExchange(ref _budgetWarnings, 2, 1) == 1)
        {
            _settings.NonceBudgetWarning?.Invoke(count);
        }
    }

    /// <summary>True if <paramref name="salt"/> is one our sessions send with: a datagram of ours came back.</summary>
    internal bool IsOwnSalt(uint salt)
    {
        lock (_lock)
        {
            return _sendSalts.Contains(salt);
        }
    }

    /// <summary>
    /// A session's first accepted datagram: reflected if its salt is ours; otherwise the session takes the salt over
    /// (<paramref name="owned"/>) unless another live session owns it. An owned salt can never become a send salt, which
    /// is what lets the session check later datagrams with it without this lock.
    /// </summary>
    internal PacketVerdict TakePeerSalt(uint salt, out bool owned)
    {
        lock (_lock)
        {
            owned = false;
            if (_sendSalts.Contains(salt))
            {
                return PacketVerdict.Reflected;
            }

            if (!_peerSalts.TryGetValue(salt, out long expiry) || expiry != Owned)
            {
                _peerSalts[salt] = Owned;
                owned = true;
            }

            return PacketVerdict.Accepted;
        }
    }

    /// <summary>
    /// A datagram whose salt is not the session's owned peer salt: reflected if the salt is ours; otherwise, when
    /// <paramref name="remember"/>, checked against the per-key filter of random nonces.
    /// </summary>
    internal PacketVerdict CheckShared(ReadOnlySpan<byte> nonce, bool remember, long nowMs)
    {
        lock (_lock)
        {
            return _sendSalts.Contains(SaltOf(nonce)) ? PacketVerdict.Reflected
                : remember && !_nonces.TryAdd(nonce, nowMs) ? PacketVerdict.Replayed
                : PacketVerdict.Accepted;
        }
    }

    /// <summary>The transport's clock (<see cref="ProtectionSettings.NowMs"/>).</summary>
    internal long NowMs() => _settings.NowMs();

    /// <summary>A session closed: forgets its send salt and refuses the peer salt it owned for the replay horizon.</summary>
    internal void ReleaseSession(uint sendSalt, uint? ownedPeerSalt, long nowMs)
    {
        lock (_lock)
        {
            _sendSalts.Remove(sendSalt);
            if (ownedPeerSalt is { } salt)
            {
                _peerSalts[salt] = nowMs + _settings.ReplayHorizonMs;
            }
        }
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
}
