using System.Buffers.Binary;
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
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        cancellationToken.ThrowIfCancellationRequested();
        options = options?.Clone() ?? new KcpOptions();
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpTransportLog.Category);
        var connection = new KcpClientConnection(remoteEndPoint, options, logger);
        return ValueTask.FromResult(connection.Session);
    }

    /// <summary>The socket side of one dialed session: filters replies by source and closes the socket with the session.</summary>
    private sealed class KcpClientConnection : IDatagramHandler, IKcpSessionOwner
    {
        private readonly SocketAddress _remote;
        private readonly PacketCipher? _cipher;

        public KcpClientConnection(IPEndPoint remoteEndPoint, KcpOptions options, ILogger logger)
        {
            Logger = logger;
            var local = new IPEndPoint(
                remoteEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            _remote = remoteEndPoint.Serialize();
            _cipher = KcpCrypt.Create(options.Crypt, KcpCrypt.DeriveKey(options.Key ?? string.Empty));
            Socket = KcpUdpSocket.Bind(local, options, Counters, logger);
            uint conv = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
            Session = new KcpSession(conv, options, this, _remote, _cipher, passive: false);
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
                Counters.OnDropped(PacketDropReason.UnexpectedSource);
                return;
            }

            if (datagram.Length > PacketLayout.MaxDatagramSize)
            {
                Counters.OnDropped(PacketDropReason.TooLong);
                return;
            }

            Span<byte> packet = datagram;
            if (_cipher is { } cipher)
            {
                if (!cipher.TryOpen(datagram))
                {
                    Counters.OnDropped(PacketDropReason.BadChecksum);
                    Session.OnChecksumError();
                    return;
                }

                packet = datagram[cipher.HeaderSize..^cipher.TrailerSize];
            }

            if (packet.Length < KcpPacketInspector.KcpHeaderSize)
            {
                Counters.OnDropped(PacketDropReason.TooShort);
                return;
            }

            Session.OnPacket(packet);
        }

        public void OnSessionClosed(KcpSession session)
        {
            Socket.Dispose();
            if (_cipher is { } cipher)
            {
                // The receive loop may still be inside TryOpen: release the cipher once it has ended.
                Socket.Completion.ContinueWith(_ => cipher.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }
}
