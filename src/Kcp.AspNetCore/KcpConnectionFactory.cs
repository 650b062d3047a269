using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Kcp.AspNetCore.Internal;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.AspNetCore;

/// <summary>
/// Client side: dials KCP sessions as <see cref="ConnectionContext"/>s (for SignalR's HubConnection, Bedrock's
/// ClientBuilder or any <see cref="IConnectionFactory"/> consumer). Each connection has its own UDP socket;
/// disposing the connection closes both. Disposing the factory closes every connection it opened that is still open.
/// </summary>
public sealed class KcpConnectionFactory : IConnectionFactory, IAsyncDisposable, IDisposable
{
    private readonly KcpOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ConnectionContext, byte> _connections = new();
    private readonly Action<ConnectionContext> _onConnectionDisposed;
    private readonly SmuxSessionPool _smuxSessions;
    private int _disposed;

    /// <summary>Creates a factory dialing with <paramref name="options"/> (default <see cref="KcpOptions"/> when null); invalid options throw an <see cref="ArgumentException"/> naming the setting.</summary>
    public KcpConnectionFactory(KcpOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(options, loggerFactory, meterFactory: null)
    {
    }

    /// <summary>Creates a factory as the other constructor does, reporting metrics to a meter from <paramref name="meterFactory"/>.</summary>
    public KcpConnectionFactory(KcpOptions? options, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        _meterFactory = meterFactory;
        _options = options?.Clone() ?? new KcpOptions();
        _options.Validate();
        _loggerFactory = loggerFactory;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpAspNetCoreLog.Category);
        _onConnectionDisposed = context => _connections.TryRemove(context, out _);
        _smuxSessions = new SmuxSessionPool(loggerFactory, meterFactory, SmuxSessionIdleTimeout);
    }

    /// <summary>How long a shared smux session stays open without streams before it is closed.</summary>
    internal static TimeSpan SmuxSessionIdleTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The settings used for <see cref="IPEndPoint"/> targets and for <see cref="KcpEndPoint"/>s without their own.</summary>
    public KcpOptions Options => _options;

    /// <summary>Connections opened by this factory and not yet disposed.</summary>
    internal int OpenConnections => _connections.Count;

    /// <summary>
    /// The KCP endpoints whose race a fallback won recently (SignalR's <c>WithKcp(endPoint, fallbackUrl)</c>): hub
    /// connections built with this factory share it, so a new connection goes straight to a fallback that just won.
    /// </summary>
    internal Internal.Fallback.FallbackMemory FallbackMemory { get; } = new();

    /// <summary>Shared smux sessions open now.</summary>
    internal int SmuxSessions => _smuxSessions.SessionCount;

    /// <summary>
    /// Opens a session to <paramref name="endpoint"/>: a <see cref="KcpEndPoint"/> (its own settings win) or an
    /// <see cref="IPEndPoint"/>. KCP has no handshake, so this returns without waiting for the server. With
    /// <see cref="KcpOptions.Smux"/> set, the connection is an smux stream over the one KCP session this factory keeps
    /// per remote endpoint (dialed at the first connection, closed 30 s after its last stream).
    /// </summary>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        (IPEndPoint target, KcpOptions options) = endpoint switch
        {
            KcpEndPoint kcp => (kcp.IPEndPoint, kcp.Options ?? _options),
            IPEndPoint ip => (ip, _options),
            _ => throw new NotSupportedException($"KCP connects only to a {nameof(KcpEndPoint)} or an {nameof(IPEndPoint)}, not {endpoint.GetType().Name} '{endpoint}'."),
        };

        if (options.Smux is not null)
        {
            return await ConnectStreamAsync(target, options, cancellationToken).ConfigureAwait(false);
        }

        KcpSession session = await KcpClient.ConnectAsync(target, options, _loggerFactory, _meterFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
        var connection = new KcpConnectionContext(session, MemoryPool<byte>.Shared, _logger, _onConnectionDisposed);
        _connections.TryAdd(connection, 0);
        KcpAspNetCoreLog.ConnectionOpened(_logger, connection.ConnectionId, session.Conversation, session.RemoteEndPoint);
        if (Volatile.Read(ref _disposed) != 0)
        {
            // Disposed while connecting: do not leak a socket the factory will never close.
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(KcpConnectionFactory));
        }

        return connection;
    }

    private async ValueTask<ConnectionContext> ConnectStreamAsync(IPEndPoint target, KcpOptions options, CancellationToken cancellationToken)
    {
        (KcpSmuxStream stream, SmuxSessionPool.Entry entry) = await _smuxSessions.OpenStreamAsync(target, options, cancellationToken).ConfigureAwait(false);
        KcpSession session = entry.Session;
        var connection = new SmuxStreamConnectionContext(stream, entry.Feature, session.LocalEndPoint, session.RemoteEndPoint, MemoryPool<byte>.Shared, _logger,
            context =>
            {
                entry.OnStreamClosed();
                _onConnectionDisposed(context);
            });
        _connections.TryAdd(connection, 0);
        KcpAspNetCoreLog.StreamOpened(_logger, connection.ConnectionId, stream.Id, session.Conversation, session.RemoteEndPoint);
        if (Volatile.Read(ref _disposed) != 0)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(KcpConnectionFactory));
        }

        return connection;
    }

    /// <summary>Closes (gracefully, bounded by each session's linger timeout) every connection still open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (ConnectionContext connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        await _smuxSessions.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Synchronous disposal (for containers disposed synchronously): aborts every connection still open instead of
    /// waiting for the peer's acknowledgements.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (ConnectionContext connection in _connections.Keys)
        {
            connection.Abort(new ConnectionAbortedException("The KCP connection factory was disposed."));
            _ = connection.DisposeAsync().AsTask();
        }

        _ = _smuxSessions.DisposeAsync().AsTask();
    }
}
