using System.Buffers;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Kcp.AspNetCore.Internal;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore;

/// <summary>
/// The Kestrel transport for <see cref="KcpEndPoint"/>s. It binds only those (so Sockets keeps TCP endpoints), one UDP
/// socket per endpoint, and lists what it bound so callers can read the real port of a port-0 endpoint.
/// </summary>
public sealed class KcpTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable, IDisposable
{
    // Read at bind time, not here: Kestrel is created while the app is built, before ValidateOnStart reports errors.
    private readonly IOptions<KcpTransportOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger _logger;
    private readonly MemoryPool<byte> _memoryPool;
    private readonly bool _ownsMemoryPool;
    private readonly Lock _listenersLock = new();
    private readonly List<KcpConnectionListener> _listeners = [];
    private readonly Action<KcpConnectionListener> _onListenerDisposed;

    // Started at the first bind: the sessions' scheduler, and their pipes' memory from Kestrel's pool, as the Sockets
    // transport's connections take theirs.
    private readonly Lazy<KcpRuntime> _runtime;

    /// <summary>
    /// Creates the factory; <paramref name="memoryPoolFactory"/> (Kestrel's, from DI) supplies connection buffers and
    /// <paramref name="meterFactory"/> the <c>Kcp.Transport</c> meter when given (else the shared static meter).
    /// </summary>
    public KcpTransportFactory(
        IOptions<KcpTransportOptions> options,
        ILoggerFactory? loggerFactory = null,
        IMemoryPoolFactory<byte>? memoryPoolFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _meterFactory = meterFactory;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger(KcpAspNetCoreLog.Category);
        if (memoryPoolFactory is not null)
        {
            _memoryPool = memoryPoolFactory.Create(new MemoryPoolOptions { Owner = "kcp" });
            _ownsMemoryPool = true;
        }
        else
        {
            _memoryPool = MemoryPool<byte>.Shared;
        }

        _runtime = new Lazy<KcpRuntime>(() => new KcpRuntime(_memoryPool));
        _onListenerDisposed = listener =>
        {
            lock (_listenersLock)
            {
                _listeners.Remove(listener);
            }
        };
    }

    /// <summary>The endpoints currently bound, with their real ports, in bind order.</summary>
    public IReadOnlyList<KcpEndPoint> BoundEndPoints
    {
        get
        {
            lock (_listenersLock)
            {
                var endPoints = new KcpEndPoint[_listeners.Count];
                for (int i = 0; i < endPoints.Length; i++)
                {
                    endPoints[i] = _listeners[i].KcpEndPoint;
                }

                return endPoints;
            }
        }
    }

    /// <summary>The KCP sessions of every open connection of every bound endpoint (once per session when connections are smux streams).</summary>
    public IReadOnlyList<IKcpSessionFeature> GetActiveSessions()
    {
        // The streams of one smux session share its session feature: each session is listed once.
        var sessions = new List<IKcpSessionFeature>();
        var seen = new HashSet<IKcpSessionFeature>(ReferenceEqualityComparer.Instance);
        lock (_listenersLock)
        {
            foreach (KcpConnectionListener listener in _listeners)
            {
                foreach (ConnectionContext connection in listener.Connections)
                {
                    if (connection.Features.Get<IKcpSessionFeature>() is { } session && seen.Add(session))
                    {
                        sessions.Add(session);
                    }
                }
            }
        }

        return sessions;
    }

    /// <summary>
    /// The counters of every endpoint this factory bound and has not yet closed, summed (kcp-go's Snmp for this
    /// server); per endpoint they are the <c>Kcp.Transport</c> meter's series tagged with <c>server.port</c>.
    /// </summary>
    public KcpMetricsSnapshot GetMetricsSnapshot()
    {
        KcpMetricsSnapshot total = default;
        foreach (KcpConnectionListener listener in Listeners)
        {
            total += listener.Listener.GetMetricsSnapshot();
        }

        return total;
    }

    /// <summary>Listener adapters still bound (tests read their session counts).</summary>
    internal IReadOnlyList<KcpConnectionListener> Listeners
    {
        get
        {
            lock (_listenersLock)
            {
                return [.. _listeners];
            }
        }
    }

    /// <summary>True only for <see cref="KcpEndPoint"/>: plain IP endpoints belong to the Sockets transport.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is KcpEndPoint;

    /// <summary>
    /// Binds a UDP socket for <paramref name="endpoint"/>. Invalid KCP settings throw an
    /// <see cref="InvalidOperationException"/> naming each bad setting; a port in use throws <see cref="AddressInUseException"/>.
    /// </summary>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        cancellationToken.ThrowIfCancellationRequested();
        if (endpoint is not KcpEndPoint kcpEndPoint)
        {
            throw new NotSupportedException($"The KCP transport binds only {nameof(KcpEndPoint)}s, not {endpoint.GetType().Name} '{endpoint}'.");
        }

        KcpOptions options = kcpEndPoint.Options ?? _options.Value.Defaults;
        IReadOnlyList<string> errors = options.GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Invalid KCP settings for endpoint {kcpEndPoint}: {string.Join(" ", errors)}");
        }

        KcpListener listener;
        try
        {
            listener = KcpListener.Bind(kcpEndPoint.IPEndPoint, options, _loggerFactory, _meterFactory, _runtime.Value);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(e.Message, e);
        }

        // The listener works on its own copy of the options; the bound endpoint reports the real port with them.
        var bound = new KcpEndPoint(listener.LocalEndPoint, kcpEndPoint.Options) { DeclaredAs = kcpEndPoint.DeclaredAs };
        var adapter = new KcpConnectionListener(listener, bound, options, _memoryPool, _logger, _onListenerDisposed, _loggerFactory, _meterFactory);
        lock (_listenersLock)
        {
            _listeners.Add(adapter);
        }

        // Kestrel lists the endpoint as http://kcp:/ip:port (KcpEndPoint.ToString); this line gives its own URL.
        KcpAspNetCoreLog.ListenerStarted(_logger, bound.Url, bound.DeclaredAs is { } declared ? $"; {declared}" : "");
        return new ValueTask<IConnectionListener>(adapter);
    }

    /// <summary>Closes listeners Kestrel left open and releases the memory pool.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (KcpConnectionListener listener in Listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        if (_runtime.IsValueCreated)
        {
            _runtime.Value.Dispose();
        }

        if (_ownsMemoryPool)
        {
            _memoryPool.Dispose();
        }
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers disposed synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
