using Kcp.Transport.Crypto;

namespace Kcp.Transport;

/// <summary>
/// Settings of KCP sessions, listeners and dialers. Defaults follow kcptun's "fast" mode with 128-segment windows
/// and stream mode; every value is checked by <see cref="Validate"/> before a socket is opened.
/// </summary>
public sealed class KcpOptions
{
    /// <summary>The largest UDP payload kcp-go reads (its receive buffers are this size).</summary>
    public const int MaxMtu = 1500;

    /// <summary>kcp-go's smallest accepted MTU.</summary>
    public const int MinMtu = 50;

    /// <summary>The longest <see cref="DatagramQueueLength"/>.</summary>
    public const int MaxDatagramQueueLength = 4096;

    /// <summary>The most copies <see cref="RedundantCopies"/> accepts.</summary>
    public const int MaxRedundantCopies = 8;

    /// <summary>UDP payload size limit in bytes, headers of FEC and crypto included (kcp-go: 1400, kcptun: 1350).</summary>
    public int Mtu { get; set; } = 1400;

    /// <summary>Send window in segments.</summary>
    public int SendWindow { get; set; } = 128;

    /// <summary>Receive window in segments, advertised to the peer.</summary>
    public int ReceiveWindow { get; set; } = 128;

    /// <summary>0 = normal RTO (minimum 100 ms, linear back-off by RTO); 1 = nodelay (minimum 30 ms, back-off by RTO/2).</summary>
    public int NoDelay { get; set; }

    /// <summary>Internal update interval in milliseconds (10 to 5000).</summary>
    public int Interval { get; set; } = 30;

    /// <summary>Fast retransmit after this many skipping ACKs; 0 disables fast resend.</summary>
    public int FastResend { get; set; } = 2;

    /// <summary>Disables the congestion window (kcptun <c>nc=1</c>).</summary>
    public bool NoCongestionWindow { get; set; } = true;

    /// <summary>Stream mode: small writes are merged into full segments (kcptun always enables it).</summary>
    public bool StreamMode { get; set; } = true;

    /// <summary>
    /// Send ACKs as soon as a packet arrives instead of with the next flush. Without it ACKs still leave early once a
    /// full datagram of them is pending.
    /// </summary>
    public bool AckNoDelay { get; set; }

    /// <summary>
    /// Copies of each segment (0 to 8) that later data datagrams carry while it is unacknowledged, in the room their
    /// data and ACKs leave. 0 (the default) sends what kcp-go sends. For thin streams on long, lossy links (chat, games,
    /// SignalR: a small message every few intervals) 1 repairs most losses with the next message's datagram instead of
    /// a retransmission an RTO later; it costs bytes (every small segment goes about twice, lost or not) but no extra
    /// datagrams, and bulk transfers fill their datagrams and copy nothing. Any KCP peer, kcp-go included, takes the
    /// copies it does not need as duplicates. README, "KCP against TCP on a lossy link", has the measurements.
    /// </summary>
    public int RedundantCopies { get; set; }

    /// <summary>DSCP value for outgoing datagrams (0 to 63).</summary>
    public int Dscp { get; set; }

    /// <summary>Socket receive buffer size in bytes (SO_RCVBUF); 0 keeps the system default.</summary>
    public int SocketReceiveBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Socket send buffer size in bytes (SO_SNDBUF); 0 keeps the system default.</summary>
    public int SocketSendBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Packet cipher: one of <see cref="KcpCrypt.Names"/>. "null" means no crypto layer; "none" keeps kcp-go's nonce and CRC header unencrypted.</summary>
    public string Crypt { get; set; } = "null";

    /// <summary>Pre-shared passphrase; the cipher key is derived from it exactly as kcptun does (PBKDF2).</summary>
    public string? Key { get; set; }

    /// <summary>Reed-Solomon data shards per FEC group; 0 (with <see cref="ParityShards"/> 0) disables FEC.</summary>
    public int DataShards { get; set; }

    /// <summary>Reed-Solomon parity shards per FEC group; 0 disables FEC.</summary>
    public int ParityShards { get; set; }

    /// <summary>A session that receives nothing for this long is closed. <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A segment sent this many times without an ACK marks the link dead and closes the session.</summary>
    public int DeadLink { get; set; } = 20;

    /// <summary>How long a graceful close (<see cref="KcpSession.CloseAsync"/>, disposal) waits for sent data to be acknowledged before it gives up. Aborts never wait.</summary>
    public TimeSpan LingerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A dialed session that receives nothing valid within this long of its first datagram fails with
    /// <see cref="KcpCloseReason.ConnectTimeout"/>: nothing listens there, or the server's crypt, key or FEC settings
    /// differ (KCP has no handshake, so this is how a wrong key shows). <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes received but not yet read by the application at which the session stops taking data out of KCP (its window then closes).</summary>
    public long MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>Bytes written by the application but not yet queued into KCP at which writes wait.</summary>
    public long MaxWriteBufferSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Listener: sessions created but not yet accepted (kcp-go: 128). 1,024 by default, so that a burst of clients from
    /// one address (an office NAT, a launch minute) is admitted on first sight instead of on its retransmissions.
    /// </summary>
    public int AcceptBacklog { get; set; } = 1024;

    /// <summary>Listener: the most sessions served at once.</summary>
    public int MaxSessions { get; set; } = 10_000;

    /// <summary>
    /// Listener: concurrent receive loops on the socket; 0 (the default) means one. More loops spread the receive work of
    /// many sessions over cores, but two loops can take one peer's consecutive datagrams in two batches and deliver
    /// them out of order, which the peer pays for in spurious fast retransmissions (on loopback, a bulk echo resent
    /// 7-9 % of its segments with two loops and none with one).
    /// </summary>
    public int ReceiveLoops { get; set; }

    /// <summary>
    /// Listener: lets several processes (or listeners) bind the same address and port (<c>SO_REUSEPORT</c>, Linux only).
    /// The kernel then spreads incoming datagrams over the sockets by a hash of the source and destination addresses and
    /// ports, so one client's datagrams keep reaching one listener and its session stays whole there. Each listener
    /// serves only its own sessions: when a socket joins or leaves the group (a process starts or stops) the hash is
    /// computed over the new set and some clients land on another process, which answers their datagrams with a reset
    /// (README, "When things go wrong"), and they reconnect. Every socket of the group must set it, and on Linux they must
    /// belong to the same user. Dialed sessions ignore it (<see cref="KcpClient"/> clears it): their sockets take a port
    /// of their own. Other systems have no socket option that spreads UDP by the 4-tuple, so validation refuses it there.
    /// </summary>
    public bool ReusePort { get; set; }

    /// <summary>
    /// Received out-of-band datagrams (<see cref="KcpSession.ReceiveDatagramAsync"/>) a session keeps until the application
    /// reads them (0 to 4096, default 64); when full, the oldest is dropped and counted. Each held datagram takes a pooled
    /// buffer of up to 2 KiB, so this bounds a session's datagram memory. 0 receives none (each is dropped and counted).
    /// </summary>
    public int DatagramQueueLength { get; set; } = 64;

    /// <summary>Listener admission limits, address validation, tombstones and the aes-128-gcm replay filter.</summary>
    public KcpSecurityOptions Security { get; set; } = new();

    /// <summary>
    /// How the UDP socket talks to the kernel: batched system calls with GSO/GRO on Linux (<see cref="KcpSocketBackend.Auto"/>),
    /// or one call per datagram (<see cref="KcpSocketBackend.Portable"/>, for comparisons and kernels that misbehave).
    /// </summary>
    public KcpSocketBackend SocketBackend { get; set; }

    /// <summary>
    /// smux over each session, as kcptun speaks it (<see cref="KcpSmuxSession"/>): null (the default) keeps one
    /// connection per session; set, each smux stream is a connection of its own in the Kestrel transport, and the client
    /// opens streams over one shared session per remote endpoint.
    /// </summary>
    public KcpSmuxOptions? Smux { get; set; }

    /// <summary>The packet protection these settings ask for: the cipher, its key derived from <see cref="Key"/>, and the replay settings.</summary>
    internal PacketProtection CreateProtection(ILogger logger, Func<long>? nowMs = null)
        => CipherRegistry.Create(
            Crypt,
            KcpCrypt.DeriveKey(Key ?? string.Empty),
            Security.ToProtectionSettings(count => Diagnostics.KcpTransportLog.NonceBudgetWarning(logger, count), nowMs));

    /// <summary>Applies one of kcptun's mode presets to <see cref="NoDelay"/>, <see cref="Interval"/>, <see cref="FastResend"/> and <see cref="NoCongestionWindow"/>.</summary>
    public KcpOptions ApplyPreset(KcpPreset preset)
    {
        (NoDelay, Interval, FastResend, NoCongestionWindow) = preset switch
        {
            KcpPreset.Normal => (0, 40, 2, true),
            KcpPreset.Fast => (0, 30, 2, true),
            KcpPreset.Fast2 => (1, 20, 2, true),
            KcpPreset.Fast3 => (1, 10, 2, true),
            _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown KCP preset."),
        };
        return this;
    }

    /// <summary>Returns a copy that later changes to this instance do not affect.</summary>
    public KcpOptions Clone()
    {
        var copy = (KcpOptions)MemberwiseClone();
        copy.Security = Security?.Clone()!;
        copy.Smux = Smux?.Clone();
        return copy;
    }

    /// <summary>Lists every invalid setting, each message naming the setting and its value.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(Mtu is >= MinMtu and <= MaxMtu, $"KcpOptions.Mtu must be between {MinMtu} and {MaxMtu} (was {Mtu}).");
        Check(SendWindow is > 0 and <= 65535, $"KcpOptions.SendWindow must be between 1 and 65535 segments (was {SendWindow}).");
        Check(ReceiveWindow is > 0 and <= 65535, $"KcpOptions.ReceiveWindow must be between 1 and 65535 segments (was {ReceiveWindow}).");
        Check(NoDelay is 0 or 1, $"KcpOptions.NoDelay must be 0 or 1 (was {NoDelay}).");
        Check(Interval is >= 10 and <= 5000, $"KcpOptions.Interval must be between 10 and 5000 ms (was {Interval}).");
        Check(FastResend >= 0, $"KcpOptions.FastResend must not be negative (was {FastResend}).");
        Check(RedundantCopies is >= 0 and <= MaxRedundantCopies, $"KcpOptions.RedundantCopies must be between 0 and {MaxRedundantCopies} (was {RedundantCopies}).");
        Check(Dscp is >= 0 and <= 63, $"KcpOptions.Dscp must be between 0 and 63 (was {Dscp}).");
        Check(SocketReceiveBufferSize >= 0, $"KcpOptions.SocketReceiveBufferSize must not be negative (was {SocketReceiveBufferSize}).");
        Check(SocketSendBufferSize >= 0, $"KcpOptions.SocketSendBufferSize must not be negative (was {SocketSendBufferSize}).");
        Check(DataShards >= 0, $"KcpOptions.DataShards must not be negative (was {DataShards}).");
        Check(ParityShards >= 0, $"KcpOptions.ParityShards must not be negative (was {ParityShards}).");
        Check(DataShards + ParityShards <= 256, $"KcpOptions.DataShards + ParityShards must be at most 256 (was {DataShards + ParityShards}).");
        Check((DataShards == 0) == (ParityShards == 0), $"KcpOptions.DataShards and ParityShards must both be 0 (FEC off) or both positive (were {DataShards} and {ParityShards}).");
        Check(IdleTimeout == Timeout.InfiniteTimeSpan || IdleTimeout > TimeSpan.Zero, $"KcpOptions.IdleTimeout must be positive or infinite (was {IdleTimeout}).");
        Check(DeadLink > 0, $"KcpOptions.DeadLink must be positive (was {DeadLink}).");
        Check(LingerTimeout >= TimeSpan.Zero, $"KcpOptions.LingerTimeout must not be negative (was {LingerTimeout}).");
        Check(ConnectTimeout == Timeout.InfiniteTimeSpan || ConnectTimeout > TimeSpan.Zero, $"KcpOptions.ConnectTimeout must be positive or infinite (was {ConnectTimeout}).");
        Check(MaxReadBufferSize > 0, $"KcpOptions.MaxReadBufferSize must be positive (was {MaxReadBufferSize}).");
        Check(MaxWriteBufferSize > 0, $"KcpOptions.MaxWriteBufferSize must be positive (was {MaxWriteBufferSize}).");
        Check(AcceptBacklog > 0, $"KcpOptions.AcceptBacklog must be positive (was {AcceptBacklog}).");
        Check(MaxSessions > 0, $"KcpOptions.MaxSessions must be positive (was {MaxSessions}).");
        Check(DatagramQueueLength is >= 0 and <= MaxDatagramQueueLength, $"KcpOptions.DatagramQueueLength must be between 0 and {MaxDatagramQueueLength} (was {DatagramQueueLength}).");
        Check(ReceiveLoops is >= 0 and <= 64, $"KcpOptions.ReceiveLoops must be between 0 and 64 (was {ReceiveLoops}).");
        Check(!ReusePort || OperatingSystem.IsLinux(),
            "KcpOptions.ReusePort is supported on Linux only (SO_REUSEPORT spreading datagrams by their addresses); run one listener per port elsewhere.");

        if (Security is null)
        {
            errors.Add("KcpOptions.Security must not be null.");
        }
        else
        {
            Security.AddValidationErrors(errors);
        }

        Smux?.AddValidationErrors(errors);

        if (!CipherRegistry.TryGet(Crypt, out CipherDescriptor? cipher))
        {
            errors.Add($"KcpOptions.Crypt '{Crypt}' is not supported; use one of: {string.Join(", ", KcpCrypt.Names)}.");
        }
        else if (cipher.RequiresKey && string.IsNullOrEmpty(Key))
        {
            errors.Add($"KcpOptions.Key is required when KcpOptions.Crypt is '{Crypt}'.");
        }

        if (errors.Count == 0 && cipher is not null)
        {
            int header = cipher.HeaderSize + (DataShards > 0 && ParityShards > 0 ? Fec.FecPacket.HeaderSizePlus2 : 0) + cipher.TrailerSize;
            Check(Mtu - header - Protocol.KcpControlBlock.Overhead >= 1,
                $"KcpOptions.Mtu {Mtu} leaves no room for data after {header} bytes of FEC/crypto headers.");
            int trailer = cipher.TrailerSize;
            Check(Mtu - trailer >= MinMtu, $"KcpOptions.Mtu must be at least {MinMtu + trailer} with Crypt '{Crypt}' (was {Mtu}).");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }
}
