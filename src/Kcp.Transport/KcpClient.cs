using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Ingress;
using Kcp.Transport.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport;

/// <summary>Dials KCP sessions: each on its own UDP socket with a random conversation id, as kcp-go's DialWithOptions.</summary>
public static class KcpClient
{
    /// <summary>
    /// Opens a session to <paramref name="remoteEndPoint"/>. KCP has no handshake: this binds a socket and returns at
    /// once; nothing is sent until the first write. Invalid options throw an <see cref="ArgumentException"/>.
    /// </summary>
    public static ValueTask<KcpSession> ConnectAsync(
        IPEndPoint remoteEndPoint,
        KcpOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
        => ConnectAsync(remoteEndPoint, options, loggerFactory, meterFactory: null, runtime: null, cancellationToken);

    /// <summary>
    /// Opens a session as <see cref="ConnectAsync(IPEndPoint, KcpOptions?, ILoggerFactory?, CancellationToken)"/> does,
    /// reporting metrics to a meter from <paramref name="meterFactory"/> (the shared static meter when null), running on
    /// <paramref name="runtime"/> (<see cref="KcpRuntime.Shared"/> when null).
    /// </summary>
    public static ValueTask<KcpSession> ConnectAsync(
        IPEndPoint remoteEndPoint,
        KcpOptions? options,
        ILoggerFactory? loggerFactory,
        IMeterFactory? meterFactory,
        KcpRuntime? runtime = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        cancellationToken.ThrowIfCancellationRequested();
        options = options?.Clone() ?? new KcpOptions();

        // A listener's setting (clients often read the server's section): a dialed socket never shares its port.
        options.ReusePort = false;
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpTransportLog.Category);
        return ValueTask.FromResult(Connect(remoteEndPoint, options, logger, KcpInstruments.For(meterFactory), runtime ?? KcpRuntime.Shared));
    }

    /// <summary>Dials with validated options; <paramref name="instruments"/> null: a private session (the warm-up's) that reports nothing.</summary>
    internal static KcpSession Connect(IPEndPoint remoteEndPoint, KcpOptions options, ILogger logger, KcpInstruments? instruments, KcpRuntime runtime)
        => new Connection(remoteEndPoint, options, logger, instruments, runtime).Session;

    /// <summary>The socket side of one dialed session: its own socket, key and counters, closed with the session.</summary>
    private sealed class Connection : IPacketHandlerOwner
    {
        private readonly SessionContext _context;

        public Connection(IPEndPoint remoteEndPoint, KcpOptions options, ILogger logger, KcpInstruments? instruments, KcpRuntime runtime)
        {
            var local = new IPEndPoint(remoteEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            SocketAddress remote = remoteEndPoint.Serialize();
            // A private session (the warm-up's) has a receive loop of its own: the runtime's poller thread starts for real clients only.
            _context = runtime.Bind(local, options, logger, dialed: true, polled: instruments is not null);
            uint conv = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
            var session = new Session(conv, remote, passive: false, _context, this);
            var ingress = new ClientIngress(remote, _context.Protection, _context.Counters, logger);
            ingress.Attach(session);
            if (instruments is null)
            {
                _context.Counters.KeepPrivate();
            }
            else
            {
                _context.Counters.Attach(instruments, listenerEndPoint: null, sessions => sessions.Add(session.Counters));
            }

            _context.Counters.OnSessionOpened(passive: false);
            KcpTransportLog.SessionOpened(logger, conv, remoteEndPoint, "active");
            session.Start();
            _context.Socket.StartReceiving(ingress, dedicatedLoops: 0);
            Session = new KcpSession(session);
        }

        public KcpSession Session { get; }

        void IPacketHandlerOwner.OnValidated(IPacketHandler handler)
        {
            // Dialed sessions start validated.
        }

        void IPacketHandlerOwner.OnClosed(IPacketHandler handler, KcpCloseReason reason) => _ = _context.CloseAsync();
    }
}
