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
    private readonly ConcurrentDictionary<KcpConnectionContext, byte> _connections = new();
    private readonly Action<KcpConnectionContext> _onConnectionDisposed;
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
    }

    /// <summary>The settings used for <see cref="IPEndPoint"/> targets and for <see cref="KcpEndPoint"/>s without their own.</summary>
    public KcpOptions Options => _options;

    /// <summary>Connections opened by this factory and not yet disposed.</summary>
    internal int OpenConnections => _connections.Count;

    /// <summary>
    /// Opens a session to <paramref name="endpoint"/>: a <see cref="KcpEndPoint"/> (its own settings win) or an
    /// <see cref="IPEndPoint"/>. KCP has no handshake, so this returns without waiting for the server.
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

    /// <summary>Closes (gracefully, bounded by each session's linger timeout) every connection still open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (KcpConnectionContext connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
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

        foreach (KcpConnectionContext connection in _connections.Keys)
        {
            connection.Abort(new ConnectionAbortedException("The KCP connection factory was disposed."));
            _ = connection.DisposeAsync().AsTask();
        }
    }
}
