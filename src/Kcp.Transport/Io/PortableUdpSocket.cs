using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Io;

/// <summary>
/// The backend for every platform: <see cref="System.Net.Sockets.Socket"/>, one system call per datagram. A listener's
/// loops are threads of their own that wait in Poll and then ReceiveFrom (a socket caches one awaitable receive, so
/// concurrent async receives on one socket would allocate per datagram); a dialed socket has one async ReceiveFromAsync
/// loop. The socket is non-blocking (sends never wait: see <see cref="UdpSocket"/>), so the loops wait for readiness
/// rather than in the receive call.
/// </summary>
internal sealed class PortableUdpSocket : UdpSocket
{
    // Bounds how long a loop takes to see Dispose.
    private const int ReceivePollMicroseconds = 250_000;

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
                if (!Socket.Poll(ReceivePollMicroseconds, SelectMode.SelectRead))
                {
                    continue;
                }

                length = Socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                // Another loop took the datagram that woke this one.
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (EndsLoop(e))
                {
                    return;
                }

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
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (EndsLoop(e))
                {
                    return;
                }

                continue;
            }

            Deliver(receiver, buffer.AsSpan(0, length), address, turn);
            EndTurn(turn);
        }
    }

    /// <summary>True when a receive failed because the socket is closing; otherwise the error is counted and the loop goes on.</summary>
    private bool EndsLoop(Exception e)
    {
        if (e is not SocketException socketError)
        {
            return true;
        }

        if (IsDisposed || socketError.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
        {
            return true;
        }

        OnReceiveError(socketError.SocketErrorCode);
        return false;
    }
}
