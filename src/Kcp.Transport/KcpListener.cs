using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Ingress;
using Kcp.Transport.Io;
using Kcp.Transport.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport;

/// <summary>
/// Serves KCP sessions on one UDP socket. Sessions are keyed by the remote address exactly as kcp-go's listener keys
/// them (kcp-wire.md §5.2); new sessions wait in a bounded accept backlog for <see cref="AcceptAsync"/>.
/// </summary>
public sealed class KcpListener : IAsyncDisposable, ISessionAcceptor
{
    private readonly SessionContext _context;
    private readonly ListenerIngress _ingress;
    private readonly Channel<KcpSession> _backlog;
    private volatile bool _accepting = true;
    private int _disposed;

    private KcpListener(SessionContext context)
    {
        _context = context;
        _ingress = new ListenerIngress(context.Options, context.Socket, this, context.Protection, context.Counters, context.Logger, context.Clock);
        _backlog = Channel.CreateBounded<KcpSession>(new BoundedChannelOptions(context.Options.AcceptBacklog)
        {
            SingleWriter = false,
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The bound address (the real port when port 0 was requested).</summary>
    public IPEndPoint LocalEndPoint => _context.Socket.LocalEndPoint;

    /// <summary>Sessions currently open on this listener.</summary>
    public int SessionCount => _ingress.Count;

    bool ISessionAcceptor.IsAccepting => _accepting;

    int ISessionAcceptor.Pending => _backlog.Reader.Count;

    internal KcpCounters Counters => _context.Counters;

    internal UdpSocket Socket => _context.Socket;

    /// <summary>Sessions whose peer address is not validated yet.</summary>
    internal int UnvalidatedSessionCount => _ingress.UnvalidatedCount;

    /// <summary>
    /// Binds a UDP socket and starts serving. Invalid options throw an <see cref="ArgumentException"/> naming the
    /// setting. Metrics go to a meter from <paramref name="meterFactory"/> when given, else to the shared static meter.
    /// Sessions run on <paramref name="runtime"/> (<see cref="KcpRuntime.Shared"/> when null).
    /// </summary>
    public static KcpListener Bind(
        IPEndPoint endPoint,
        KcpOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        KcpRuntime? runtime = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        runtime ??= KcpRuntime.Shared;
        options = options?.Clone() ?? new KcpOptions();
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpTransportLog.Category);

        // The path a first datagram takes runs once before the socket exists, so the first session does not wait for it.
        KcpWarmUp.Run(runtime, options, endPoint.AddressFamily);
        return BindCore(endPoint, options, logger, KcpInstruments.For(meterFactory), runtime);
    }

    /// <summary>Binds with validated options; <paramref name="instruments"/> null: a private listener (the warm-up's) that reports nothing.</summary>
    internal static KcpListener BindCore(IPEndPoint endPoint, KcpOptions options, ILogger logger, KcpInstruments? instruments, KcpRuntime runtime)
    {
        // A listener's socket has receive threads of its own: it needs no poller.
        var listener = new KcpListener(runtime.Bind(endPoint, options, logger, dialed: false));
        UdpSocket socket = listener._context.Socket;
        if (instruments is null)
        {
            listener._context.Counters.KeepPrivate();
        }
        else
        {
            listener._context.Counters.Attach(instruments, socket.LocalEndPoint, listener.CopySessionCounters);
        }

        socket.StartReceiving(listener._ingress, Math.Max(options.ReceiveLoops, 1));
        KcpTransportLog.ListenerBound(logger, socket.LocalEndPoint);
        return listener;
    }

    /// <summary>This listener's counters now, its open and closed sessions included (kcp-go's Snmp for one listener).</summary>
    public KcpMetricsSnapshot GetMetricsSnapshot() => _context.Counters.GetSnapshot();

    /// <summary>Waits for the next new session; returns null once the listener stopped accepting or was disposed.</summary>
    public async ValueTask<KcpSession?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _backlog.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_backlog.Reader.TryRead(out KcpSession? session))
            {
                return session;
            }
        }

        return null;
    }

    /// <summary>Stops creating sessions; sessions already accepted keep working on the shared socket. Sessions waiting in the backlog are closed.</summary>
    public void StopAccepting()
    {
        _accepting = false;
        if (_backlog.Writer.TryComplete())
        {
            while (_backlog.Reader.TryRead(out KcpSession? pending))
            {
                pending.Core.Close(KcpCloseReason.TransportClosed, new KcpSessionClosedException(KcpCloseReason.TransportClosed));
            }
        }
    }

    /// <summary>Stops accepting, closes every session and the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopAccepting();
        var open = new List<IPacketHandler>();
        _ingress.CopySessions(open);
        foreach (IPacketHandler session in open)
        {
            session.Close(KcpCloseReason.TransportClosed);
        }

        await _context.CloseAsync().ConfigureAwait(false);
        KcpCounters counters = _context.Counters;
        KcpTransportLog.ListenerClosed(_context.Logger, LocalEndPoint, counters.PassiveOpens, counters.InPackets, counters.DroppedTotal);
    }

    private void CopySessionCounters(List<ISessionCounters> target)
    {
        var open = new List<IPacketHandler>();
        _ingress.CopySessions(open);
        foreach (IPacketHandler session in open)
        {
            target.Add(((Session)session).Counters);
        }
    }

    IPacketHandler ISessionAcceptor.Create(uint conv, SocketAddress address)
        => new Session(conv, address, passive: true, _context, _ingress);

    bool ISessionAcceptor.TryEnqueue(IPacketHandler session) => _backlog.Writer.TryWrite(new KcpSession((Session)session));
}
