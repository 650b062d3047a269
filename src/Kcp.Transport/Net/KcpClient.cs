using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;
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
        => ConnectAsync(remoteEndPoint, options, loggerFactory, meterFactory: null, cancellationToken);

    /// <summary>
    /// Opens a session as <see cref="ConnectAsync(IPEndPoint, KcpOptions?, ILoggerFactory?, CancellationToken)"/> does,
    /// reporting metrics to a meter from <paramref name="meterFactory"/> (the shared static meter when null).
    /// </summary>
    public static ValueTask<KcpSession> ConnectAsync(
        IPEndPoint remoteEndPoint,
        KcpOptions? options,
        ILoggerFactory? loggerFactory,
        IMeterFactory? meterFactory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        cancellationToken.ThrowIfCancellationRequested();
        options = options?.Clone() ?? new KcpOptions();
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpTransportLog.Category);
        var connection = new KcpClientConnection(remoteEndPoint, options, logger, KcpInstruments.For(meterFactory));
        return ValueTask.FromResult(connection.Session);
    }

    /// <summary>The socket side of one dialed session: filters replies by source and closes the socket with the session.</summary>
    private sealed class KcpClientConnection : IDatagramHandler, IKcpSessionOwner
    {
        private readonly SocketAddress _remote;
        private readonly PacketProtection _protection;
        private readonly LogRateLimiter _checksumLog = new(10_000);
        private readonly LogRateLimiter _dropLog = new(1_000);

        public KcpClientConnection(IPEndPoint remoteEndPoint, KcpOptions options, ILogger logger, KcpInstruments instruments)
        {
            Logger = logger;
            var local = new IPEndPoint(
                remoteEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            _remote = remoteEndPoint.Serialize();
            _protection = CipherRegistry.Create(
                options.Crypt,
                KcpCrypt.DeriveKey(options.Key ?? string.Empty),
                options.Security.ToProtectionSettings(count => KcpTransportLog.NonceBudgetWarning(logger, count)));

            Socket = KcpUdpSocket.Bind(local, options, Counters, logger);
            uint conv = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
            Session = new KcpSession(conv, options, this, _remote, _protection, passive: false);
            Counters.Attach(instruments, listenerEndPoint: null, sessions => sessions.Add(Session));
            Counters.OnSessionOpened(passive: false);
            KcpTransportLog.SessionOpened(logger, conv, remoteEndPoint, "active");
            Session.Start();
            Socket.StartReceiving(this, loops: 1, dedicatedThreads: false);
        }

        public KcpSession Session { get; }

        public KcpUdpSocket Socket { get; }

        public KcpCounters Counters { get; } = new();

        public ILogger Logger { get; }

        public void OnDatagram(Span<byte> datagram, SocketAddress remote)
        {
            // Replies are accepted only from the dialed address (upstream kcp-go >= 5.6.59).
            if (!remote.Equals(_remote))
            {
                Drop(PacketDropReason.UnexpectedSource, remote);
                return;
            }

            if (!PacketLayout.TryOpen(_protection, datagram, out Span<byte> packet, out PacketDropReason reason))
            {
                if (reason != PacketDropReason.BadChecksum)
                {
                    Drop(reason, remote);
                    return;
                }

                Counters.OnDropped(PacketDropReason.BadChecksum);
                Session.OnChecksumError();
                if (_checksumLog.TryAcquire())
                {
                    KcpTransportLog.ChecksumFailures(Logger, remote.ToIPEndPoint(), Counters.InChecksumErrors);
                }

                return;
            }

            Session.OnPacket(packet, datagram, datagram.Length);
        }

        private void Drop(PacketDropReason reason, SocketAddress remote)
        {
            Counters.OnDropped(reason);
            if (_dropLog.TryAcquire() && Logger.IsEnabled(LogLevel.Debug))
            {
                KcpTransportLog.DatagramDropped(Logger, remote.ToIPEndPoint(), reason, Counters.Dropped(reason));
            }
        }

        public void OnSessionClosed(KcpSession session)
        {
            Socket.Dispose();

            // The receive loop may still be inside Open, or counting a last datagram: release the key and move the
            // counters into the client totals once it has ended.
            PacketProtection protection = _protection;
            KcpCounters counters = Counters;
            Socket.Completion.ContinueWith(
                _ =>
                {
                    protection.Dispose();
                    counters.Detach();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
