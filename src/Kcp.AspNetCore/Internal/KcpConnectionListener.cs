using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Kestrel's view of one <see cref="KcpListener"/>. Kestrel ends its accept loop for good on the first exception,
/// so <see cref="AcceptAsync"/> logs unexpected errors and keeps accepting. All sessions share the listener's one UDP
/// socket, so unbinding only stops new sessions; the socket closes in <see cref="DisposeAsync"/>, which Kestrel
/// calls after it has closed (or aborted) the connections.
/// </summary>
internal sealed class KcpConnectionListener : IConnectionListener
{
    private readonly KcpListener _listener;
    private readonly MemoryPool<byte> _memoryPool;
    private readonly ILogger _logger;
    private readonly Action<KcpConnectionListener> _onDisposed;
    private readonly Action<ConnectionContext> _onConnectionDisposed;
    private readonly ConcurrentDictionary<ConnectionContext, byte> _connections = new();
    private readonly SmuxStreamAcceptor? _smux;
    private volatile bool _unbound;
    private int _disposed;

    public KcpConnectionListener(
        KcpListener listener,
        KcpEndPoint endPoint,
        KcpOptions options,
        MemoryPool<byte> memoryPool,
        ILogger logger,
        Action<KcpConnectionListener> onDisposed,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        _listener = listener;
        Options = options;
        _memoryPool = memoryPool;
        _logger = logger;
        _onDisposed = onDisposed;
        _onConnectionDisposed = context => _connections.TryRemove(context, out _);
        KcpEndPoint = endPoint;
        if (options.Smux is { } smux)
        {
            // Each smux stream of each session is a connection (kcptun's client opens one per TCP connection).
            _smux = new SmuxStreamAcceptor(listener, endPoint, smux, memoryPool, logger, loggerFactory, meterFactory,
                onAccepted: connection => _connections.TryAdd(connection, 0), onDisposed: _onConnectionDisposed);
        }
    }

    /// <summary>The settings the endpoint was bound with.</summary>
    public KcpOptions Options { get; }

    /// <summary>The bound address with the real port.</summary>
    public KcpEndPoint KcpEndPoint { get; }

    public EndPoint EndPoint => KcpEndPoint;

    /// <summary>The transport listener (tests read its <see cref="KcpListener.SessionCount"/>).</summary>
    public KcpListener Listener => _listener;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>True once Kestrel unbound the endpoint (no new sessions) or disposed it.</summary>
    public bool IsUnbound => _unbound;

    /// <summary>Connections accepted and not yet disposed (whole sessions, or smux streams).</summary>
    public ICollection<ConnectionContext> Connections => _connections.Keys;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (_smux is not null)
        {
            return await _smux.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            KcpSession? session;
            try
            {
                session = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (Exception e) when (!_unbound && !IsDisposed)
            {
                KcpAspNetCoreLog.AcceptError(_logger, KcpEndPoint.Url, e);
                continue;
            }
            catch (Exception)
            {
                return null;
            }

            if (session is null)
            {
                return null;
            }

            var connection = new KcpConnectionContext(session, _memoryPool, _logger, _onConnectionDisposed);
            _connections.TryAdd(connection, 0);
            KcpAspNetCoreLog.ConnectionAccepted(_logger, connection.ConnectionId, session.Conversation, session.RemoteEndPoint);
            return connection;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        _listener.StopAccepting();
        _smux?.Stop();
        KcpAspNetCoreLog.ListenerUnbound(_logger, KcpEndPoint.Url);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _unbound = true;
        _smux?.Stop();
        try
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            KcpAspNetCoreLog.ListenerDisposed(_logger, KcpEndPoint.Url);
            _onDisposed(this);
        }
    }
}
