using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport.Io;

/// <summary>
/// The backend for every platform: <see cref="System.Net.Sockets.Socket"/>, one system call per datagram. A listener's
/// loops are threads blocked in ReceiveFrom (a socket caches one awaitable receive, so concurrent async receives on one
/// socket would allocate per datagram); a dialed socket has one async ReceiveFromAsync loop.
/// </summary>
internal sealed class PortableUdpSocket : UdpSocket
{
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];

    public PortableUdpSocket(Socket socket, KcpCounters counters, ILogger logger)
        : base(socket, counters, logger)
    {
    }

    /// <inheritdoc/>
    public override KcpSocketBackend Backend => KcpSocketBackend.Portable;

    /// <inheritdoc/>
    public override Task Completion => Task.WhenAll(_loops);

    /// <inheritdoc/>
    public override void StartReceiving(IDatagramReceiver receiver, int dedicatedLoops)
    {
        _loops = dedicatedLoops == 0
            ? [Task.Run(() => ReceiveLoopAsync(receiver))]
            : [.. Enumerable.Range(0, dedicatedLoops).Select(_ => StartThread(() => BlockingReceiveLoop(receiver)))];
    }

    /// <inheritdoc/>
    public override void SendBatch(SendBatch batch, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Send(batch.Datagram(i), batch.Address(i, AddressFamily));
        }
    }

    /// <inheritdoc/>
    protected override void OnDisposing() => _stop.Cancel();

    private void BlockingReceiveLoop(IDatagramReceiver receiver)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        var address = new SocketAddress(AddressFamily);
        var turn = new ReceiveTurn();
        while (!IsDisposed)
        {
            int length;
            try
            {
                length = Socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (IsDisposed || e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException e)
            {
                OnReceiveError(e.SocketErrorCode);
                continue;
            }

            Deliver(receiver, buffer.AsSpan(0, length), address, turn);
            EndTurn(turn);
        }
    }

    private async Task ReceiveLoopAsync(IDatagramReceiver receiver)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        var address = new SocketAddress(AddressFamily);
        var turn = new ReceiveTurn();
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, address, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (IsDisposed || e.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException e)
            {
                OnReceiveError(e.SocketErrorCode);
                continue;
            }

            Deliver(receiver, buffer.AsSpan(0, length), address, turn);
            EndTurn(turn);
        }
    }
}
