namespace Kcp.Transport;

/// <summary>
/// Admission and anti-abuse limits of a listener (README "Security"). None of them changes a byte on the wire; all are
/// on by default and checked by <see cref="KcpOptions.Validate"/> with the other settings.
/// </summary>
/// <remarks>
/// Admission tightens only under pressure. While nothing suggests an attack, new sessions are admitted at line rate
/// as long as <see cref="MaxUnvalidatedSessions"/> has room, from any prefix. A prefix comes under pressure when one
/// of its unvalidated sessions fails to validate (reaped, evicted, replaced) or when it runs out of new-session tokens
/// while holding <see cref="MaxUnvalidatedSessionsPerPrefix"/> unvalidated sessions; every prefix does when the pool
/// is full, the listener nears <see cref="KcpOptions.MaxSessions"/> or memory runs high. Under pressure a first
/// datagram needs a token and its prefix below its share, and a refused conversation is admitted on its
/// retransmission; when the pool is full, a newcomer takes the place of the least-proven unvalidated session that has
/// had a second to validate. Every decision is counted (<see cref="KcpMetricsSnapshot.EvictedSessions"/>,
/// <see cref="KcpMetricsSnapshot.RetriedAdmissions"/>, <see cref="KcpMetricsSnapshot.AdmissionTightened"/>, and the
/// drop reasons).
/// </remarks>
public sealed class KcpSecurityOptions
{
    /// <summary>
    /// Sessions whose peer has not yet echoed one of our segments (address not validated), over all addresses: the
    /// bound on what unproven peers hold. When it is full, a new session takes the place of the least-proven one that
    /// has had a second to validate, or is refused.
    /// </summary>
    public int MaxUnvalidatedSessions { get; set; } = 1024;

    /// <summary>
    /// An address prefix's share of the unvalidated sessions (<see cref="IPv4PrefixLength"/> /
    /// <see cref="IPv6PrefixLength"/>): a prefix that holds this many and runs out of new-session tokens comes under
    /// pressure, and under pressure it opens no more sessions on first datagrams (retransmissions still get in). Without
    /// pressure a prefix may use all of <see cref="MaxUnvalidatedSessions"/>.
    /// </summary>
    public int MaxUnvalidatedSessionsPerPrefix { get; set; } = 128;

    /// <summary>Prefix length grouping IPv4 sources for the per-prefix limits (24 = a /24).</summary>
    public int IPv4PrefixLength { get; set; } = 24;

    /// <summary>Prefix length grouping IPv6 sources for the per-prefix limits (64 = a /64).</summary>
    public int IPv6PrefixLength { get; set; } = 64;

    /// <summary>
    /// New sessions per second per address prefix (token bucket refill rate) that first datagrams may open while the
    /// prefix is under pressure; without pressure, running out of tokens is only a sign of it (see
    /// <see cref="MaxUnvalidatedSessionsPerPrefix"/>). 0 disables the rate limit and that sign.
    /// </summary>
    public double NewSessionsPerSecondPerPrefix { get; set; } = 50;

    /// <summary>Token bucket depth: new sessions a prefix under pressure may open at once on first datagrams.</summary>
    public int NewSessionBurstPerPrefix { get; set; } = 100;

    /// <summary>
    /// An unvalidated session that receives nothing for this long, or for <see cref="KcpOptions.IdleTimeout"/> if that
    /// is shorter, is closed (validated ones use <see cref="KcpOptions.IdleTimeout"/>).
    /// </summary>
    public TimeSpan UnvalidatedIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Until its address is validated, a session sends at most this many times the bytes it received (QUIC: 3); 0 disables the limit.</summary>
    public int AmplificationFactor { get; set; } = 3;

    /// <summary>How long datagrams for a closed (address, conversation) are dropped instead of opening a zombie session.</summary>
    public TimeSpan TombstoneLifetime { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Most remembered closed (address, conversation) pairs; the oldest are forgotten first.</summary>
    public int MaxTombstones { get; set; } = 16_384;

    /// <summary>aes-128-gcm: how long nonces of peers with random nonces (kcp-go) are remembered to refuse replays.</summary>
    public TimeSpan ReplayHorizon { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>aes-128-gcm: most nonces remembered per key and half-horizon; when full the filter rotates early.</summary>
    public int MaxRememberedNonces { get; set; } = 1 << 20;

    /// <summary>
    /// Listener: resets sent per second at most, in answer to datagrams of conversations the listener does not know (a
    /// client of a restarted server, a closed session), so that the client fails at once instead of at its idle timeout.
    /// A reset is never larger than the datagram that caused it. 0 sends none (kcp-go sends none).
    /// </summary>
    public int ResetsPerSecond { get; set; } = 100;

    /// <summary>Returns a copy that later changes to this instance do not affect.</summary>
    public KcpSecurityOptions Clone() => (KcpSecurityOptions)MemberwiseClone();

    /// <summary>The settings the packet protection of a key takes from these options (Crypto/ does not know them).</summary>
    internal Crypto.ProtectionSettings ToProtectionSettings(Action<long>? nonceBudgetWarning, Func<long>? nowMs = null) => new()
    {
        NowMs = nowMs ?? Crypto.ProtectionSettings.Default.NowMs,
        ReplayHorizonMs = (long)ReplayHorizon.TotalMilliseconds,
        MaxRememberedNonces = MaxRememberedNonces,
        NonceBudgetWarning = nonceBudgetWarning,
    };

    internal void AddValidationErrors(List<string> errors)
    {
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        const string P = "KcpOptions.Security.";
        Check(MaxUnvalidatedSessions > 0, $"{P}MaxUnvalidatedSessions must be positive (was {MaxUnvalidatedSessions}).");
        Check(MaxUnvalidatedSessionsPerPrefix > 0, $"{P}MaxUnvalidatedSessionsPerPrefix must be positive (was {MaxUnvalidatedSessionsPerPrefix}).");
        Check(IPv4PrefixLength is >= 8 and <= 32, $"{P}IPv4PrefixLength must be between 8 and 32 (was {IPv4PrefixLength}).");
        Check(IPv6PrefixLength is >= 16 and <= 128, $"{P}IPv6PrefixLength must be between 16 and 128 (was {IPv6PrefixLength}).");
        Check(NewSessionsPerSecondPerPrefix >= 0 && double.IsFinite(NewSessionsPerSecondPerPrefix), $"{P}NewSessionsPerSecondPerPrefix must be a finite number >= 0 (was {NewSessionsPerSecondPerPrefix}).");
        Check(NewSessionBurstPerPrefix > 0, $"{P}NewSessionBurstPerPrefix must be positive (was {NewSessionBurstPerPrefix}).");
        Check(UnvalidatedIdleTimeout > TimeSpan.Zero, $"{P}UnvalidatedIdleTimeout must be positive (was {UnvalidatedIdleTimeout}).");
        Check(AmplificationFactor >= 0, $"{P}AmplificationFactor must not be negative (was {AmplificationFactor}).");
        Check(TombstoneLifetime >= TimeSpan.Zero, $"{P}TombstoneLifetime must not be negative (was {TombstoneLifetime}).");
        Check(MaxTombstones >= 0, $"{P}MaxTombstones must not be negative (was {MaxTombstones}).");
        Check(ResetsPerSecond >= 0, $"{P}ResetsPerSecond must not be negative (was {ResetsPerSecond}).");
        Check(ReplayHorizon > TimeSpan.Zero, $"{P}ReplayHorizon must be positive (was {ReplayHorizon}).");
        Check(MaxRememberedNonces >= 1024, $"{P}MaxRememberedNonces must be at least 1024 (was {MaxRememberedNonces}).");
    }
}
