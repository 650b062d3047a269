using System.Diagnostics.Metrics;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Multiplexing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport;

/// <summary>
/// smux (xtaci/smux v1 or v2, as kcptun speaks it) over a duplex pipe, usually a <see cref="KcpSession"/>: many
/// streams over one session, with kcptun's snappy compression under them when
/// <see cref="KcpSmuxOptions.Compression"/> asks for it. The session keeps itself alive (NOP frames) and ends when
/// nothing arrives for <see cref="KcpSmuxOptions.KeepAliveTimeout"/>, when the transport ends, or on a protocol error,
/// resetting its open streams. It does not own the transport: close the KCP session when <see cref="Completion"/> is
/// done.
/// </summary>
public sealed class KcpSmuxSession : IAsyncDisposable
{
    private readonly SmuxSession _core;

    private KcpSmuxSession(SmuxSession core) => _core = core;

    /// <summary>True for the side that opens odd stream ids (kcptun's client).</summary>
    public bool IsClient => _core.IsClient;

    /// <summary>The settings the session runs with (a copy).</summary>
    public KcpSmuxOptions Options => _core.Options;

    /// <summary>Streams open now (either side opened them, not yet closed in both directions).</summary>
    public int StreamCount => _core.StreamCount;

    /// <summary>Why the session ended, or <see cref="KcpSmuxCloseReason.None"/> while it runs.</summary>
    public KcpSmuxCloseReason CloseReason => _core.CloseReason;

    /// <summary>Cancelled (from the thread pool) when the session ended.</summary>
    public CancellationToken Closed => _core.Closed;

    /// <summary>Completes when the session ended and stopped using the transport.</summary>
    public Task Completion => _core.Completion;

    /// <summary>
    /// Starts an smux session over <paramref name="transport"/>. <paramref name="isClient"/> picks the stream ids (odd
    /// for the client, as kcptun's client); <paramref name="remote"/> names the peer in logs. Invalid options throw an
    /// <see cref="ArgumentException"/> naming the setting. <paramref name="memoryPool"/> supplies the stream and
    /// compression buffers (null: <see cref="MemoryPool{T}.Shared"/>; a pool of reused blocks, such as
    /// <see cref="KcpRuntime.MemoryPool"/>, keeps a busy session from allocating).
    /// </summary>
    public static KcpSmuxSession Start(
        IDuplexPipe transport,
        KcpSmuxOptions options,
        bool isClient,
        string? remote = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        MemoryPool<byte>? memoryPool = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpTransportLog.Category);
        var core = new SmuxSession(transport, options.Clone(), isClient, remote ?? "peer", logger, KcpInstruments.For(meterFactory).Smux, memoryPool);
        core.Start();
        return new KcpSmuxSession(core);
    }

    /// <summary>
    /// Starts an smux session over <paramref name="session"/>, as kcptun does over its KCP session: the client side
    /// when the session was dialed; stream buffers come from the session's runtime memory, as its own pipes do.
    /// </summary>
    public static KcpSmuxSession Start(KcpSession session, KcpSmuxOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Start(session, options, isClient: !session.IsPassive, $"{session.RemoteEndPoint} (conv {session.Conversation})", loggerFactory, meterFactory, session.Core.MemoryPool);
    }

    /// <summary>Opens a stream; its SYN goes out before any of its data. Throws <see cref="KcpSmuxSessionClosedException"/> once the session ended.</summary>
    public KcpSmuxStream OpenStream() => new(_core.OpenStream(), this);

    /// <summary>The next stream the peer opened, or null once the session has ended.</summary>
    public async ValueTask<KcpSmuxStream?> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        SmuxStream? stream = await _core.AcceptStreamAsync(cancellationToken).ConfigureAwait(false);
        return stream is null ? null : new KcpSmuxStream(stream, this);
    }

    /// <summary>Ends the session at once: open streams are reset with <paramref name="reason"/> (or <see cref="KcpSmuxCloseReason.LocalClose"/>).</summary>
    public void Abort(string? reason = null)
        => _core.Close(KcpSmuxCloseReason.LocalClose, reason ?? "the application closed the session.", null);

    /// <summary>Ends the session (as <see cref="Abort"/>) and waits until it stopped using the transport.</summary>
    public async ValueTask DisposeAsync()
    {
        Abort();
        await _core.Completion.ConfigureAwait(false);
    }
}
