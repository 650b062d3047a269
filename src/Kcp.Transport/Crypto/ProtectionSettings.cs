namespace Kcp.Transport.Crypto;

/// <summary>
/// What a key's protection needs from the transport's options (only aes-128-gcm uses any of it). Defined here so that
/// Crypto/ depends on no other part of the project; the listener and client map their security options onto it.
/// </summary>
internal sealed record ProtectionSettings
{
    /// <summary>The defaults, the same as the transport's default security options, for tests and tools.</summary>
    public static ProtectionSettings Default { get; } = new();

    /// <summary>How long nonces of peers with random nonces, and the salts of closed peers, are refused as replays.</summary>
    public long ReplayHorizonMs { get; init; } = 60_000;

    /// <summary>Most nonces remembered per key and half-horizon; when full the filter rotates early.</summary>
    public int MaxRememberedNonces { get; init; } = 1 << 20;

    /// <summary>
    /// The transport's clock in milliseconds, the one every <c>nowMs</c> passed to the key comes from; a released salt's
    /// replay horizon starts at its reading. The runtime's clock in the transport; <see cref="Environment.TickCount64"/>
    /// for tools and tests that build a key alone.
    /// </summary>
    public Func<long> NowMs { get; init; } = static () => Environment.TickCount64;

    /// <summary>Called with the count (once at 2^31, once at 2^32 sealed datagrams) so the owner can warn that the key must be rotated.</summary>
    public Action<long>? NonceBudgetWarning { get; init; }
}
