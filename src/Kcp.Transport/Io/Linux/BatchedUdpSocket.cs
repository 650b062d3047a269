using System.Runtime.InteropServices;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Io.Linux;

/// <summary>
/// The Linux backend (as kcp-go's readloop_linux.go and tx_linux.go): recvmmsg receives many datagrams per system call
/// and sendmmsg sends a whole <see cref="SendBatch"/> in one, with UDP GSO (one message the kernel splits) and, on a
/// listener's threads, GRO where the kernel has them. A listener's loops are threads of their own that wait with
/// <see cref="ExclusiveReadWaiter"/>; a dialed session's socket is drained by the runtime's <see cref="EpollPoller"/>.
/// </summary>
internal sealed class BatchedUdpSocket : UdpSocket
{
    private const int PlainSlots = 32;
    private const int CompactSlots = 8; // a dialed session's socket: 16 KiB of buffers

    // Poll timeouts bound how long a loop takes to see Dispose; Dispose's shutdown usually wakes it at once.
    private const int ReceivePollMs = 250;

    private readonly bool _offload;
    private readonly EpollPoller? _poller;
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];
    private EpollPoller.Registration? _registration;
    private volatile bool _gso;
    private bool _gro;

    public BatchedUdpSocket(Socket socket, KcpCounters counters, ILogger logger, bool offload, EpollPoller? poller)
        : base(socket, counters, logger)
    {
        _offload = offload;
        _poller = poller;
        _gso = offload && LinuxUdp.ProbeGso(Descriptor);
    }

    /// <inheritdoc/>
    public override KcpSocketBackend Backend => _offload ? KcpSocketBackend.BatchedWithOffload : KcpSocketBackend.Batched;

    /// <inheritdoc/>
    public override bool GsoEnabled => _gso;

    /// <inheritdoc/>
    public override bool GroEnabled => _gro;

    /// <inheritdoc/>
    public override bool IsPolled => _registration is not null;

    /// <inheritdoc/>
    public override Task Completion => Task.WhenAll(_loops);

    private int Descriptor => (int)Socket.SafeHandle.DangerousGetHandle();

    /// <inheritdoc/>
    public override void StartReceiving(IDatagramReceiver receiver, int dedicatedLoops)
    {
        if (dedicatedLoops == 0)
        {
            var slots = new ReceiveSlots(AddressFamily, gro: false, CompactSlots, ReceiveBufferSize);
            var turn = new ReceiveTurn();
            _registration = _poller?.Register(Descriptor, maxBatches => DrainTurn(slots, receiver, turn, maxBatches));
            _loops = [_registration?.Completion ?? Task.Run(() => PeekDrivenReceiveLoopAsync(slots, receiver, turn))];
            return;
        }

        // GRO needs 64 KiB per receive slot: worth it for a listener's few threads, not for every dialed session.
        _gro = _offload && LinuxUdp.EnableGro(Descriptor);
        _loops = [.. Enumerable.Range(0, dedicatedLoops).Select(_ => StartThread(() => ReceiveLoop(receiver)))];
    }

    /// <inheritdoc/>
    public override unsafe void SendBatch(SendBatch batch, int count)
    {
        LinuxUdp.MMsgHdr* messages = stackalloc LinuxUdp.MMsgHdr[SendMessages.MaxMessages];
        LinuxUdp.IoVec* iovs = stackalloc LinuxUdp.IoVec[Io.SendBatch.Capacity];
        byte* controls = stackalloc byte[SendMessages.MaxMessages * LinuxUdp.ControlSize];
        Span<int> datagramsPerMessage = stackalloc int[SendMessages.MaxMessages];
        var layout = new SendMessages(batch, messages, iovs, controls, datagramsPerMessage);
        int first = 0;
        while (first < count)
        {
            bool gso = _gso;
            int messageCount = layout.Build(first, count, gso);
            int sent;
            int errno = 0;
            bool added = false;
            try
            {
                Socket.SafeHandle.DangerousAddRef(ref added);
                OnSendCall();
                // Never waits (see UdpSocket's remarks): a full buffer fails the call, and the rest of the batch is dropped.
                sent = LinuxUdp.SendMMsg(Descriptor, messages, (uint)messageCount, LinuxUdp.MsgDontWait);
                if (sent < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                }
            }
            catch (ObjectDisposedException)
            {
                return; // the socket closed under a session that was still flushing
            }
            finally
            {
                if (added)
                {
                    Socket.SafeHandle.DangerousRelease();
                }
            }

            if (sent >= 0)
            {
                int datagrams = layout.DatagramsIn(sent);
                for (int i = first; i < first + datagrams; i++)
                {
                    Counters.OnSent(batch.LengthOf(i));
                }

                first += datagrams;
                continue;
            }

            if (errno == LinuxUdp.EIntr)
            {
                continue;
            }

            if (errno is LinuxUdp.EAgain or LinuxUdp.ENoBufs)
            {
                // The next call would fail the same way: what is left waits for KCP's retransmission, not for the kernel.
                OnSendBufferFull(count - first);
                return;
            }

            if (gso && datagramsPerMessage[0] > 1 && errno is LinuxUdp.EIo or LinuxUdp.EInval or LinuxUdp.EOpNotSupp or LinuxUdp.EMsgSize)
            {
                // The route cannot segment (no checksum offload): GSO stays off for this socket.
                _gso = false;
                continue;
            }

            // The first message failed (unreachable, no buffer space...): drop it, send the rest.
            OnSendError(LinuxUdp.ToSocketError(errno));
            first += datagramsPerMessage[0];
        }
    }

    /// <inheritdoc/>
    protected override void OnDisposing()
    {
        _stop.Cancel();
        _registration?.Close();
    }

    private void ReceiveLoop(IDatagramReceiver receiver)
    {
        var slots = new ReceiveSlots(AddressFamily, _gro, PlainSlots, ReceiveBufferSize);
        var turn = new ReceiveTurn();
        using var waiter = new ExclusiveReadWaiter(Descriptor);
        int received;
        while ((received = ReceiveBatch(slots, waiter)) > 0)
        {
            DeliverAll(slots, received, receiver, turn);
        }
    }

    /// <summary>Hands every datagram of one recvmmsg to the receiver (a GRO run split into its datagrams), then ends the turn.</summary>
    private void DeliverAll(ReceiveSlots slots, int received, IDatagramReceiver receiver, ReceiveTurn turn)
    {
        try
        {
            for (int i = 0; i < received; i++)
            {
                Span<byte> message = slots.Read(i, out SocketAddress sender, out int segment);
                if (segment == 0)
                {
                    Deliver(receiver, message, sender, turn);
                    continue;
                }

                for (int offset = 0; offset < message.Length; offset += segment)
                {
                    Deliver(receiver, message.Slice(offset, Math.Min(segment, message.Length - offset)), sender, turn);
                }
            }
        }
        finally
        {
            slots.Reset(received);
            EndTurn(turn);
        }
    }

    /// <summary>recvmmsg until the socket is empty or <paramref name="maxBatches"/> calls are made: false once it is closed.</summary>
    private bool Drain(ReceiveSlots slots, IDatagramReceiver receiver, ReceiveTurn turn, int maxBatches = int.MaxValue)
    {
        int received = 0;
        for (int batch = 0; batch < maxBatches && (received = ReceiveBatch(slots, waiter: null)) > 0; batch++)
        {
            DeliverAll(slots, received, receiver, turn);
        }

        return received >= 0;
    }

    /// <summary>One turn of the runtime's <see cref="EpollPoller"/> on this socket: false once it is closed.</summary>
    private bool DrainTurn(ReceiveSlots slots, IDatagramReceiver receiver, ReceiveTurn turn, int maxBatches)
    {
        try
        {
            return Drain(slots, receiver, turn, maxBatches);
        }
        catch (Exception e)
        {
            // A bug in packet handling must not stop the thread that serves every dialed socket.
            OnLoopFault(e);
            return !IsDisposed;
        }
    }

    /// <summary>
    /// A dialed socket's receive loop where no <see cref="EpollPoller"/> is available: .NET's event loop reports
    /// readiness through a one-byte MSG_PEEK receive, then recvmmsg drains the socket.
    /// </summary>
    private async Task PeekDrivenReceiveLoopAsync(ReceiveSlots slots, IDatagramReceiver receiver, ReceiveTurn turn)
    {
        byte[] peek = GC.AllocateUninitializedArray<byte>(1, pinned: true);
        var peekAddress = new SocketAddress(AddressFamily);
        CancellationToken stop = _stop.Token;
        try
        {
            while (Drain(slots, receiver, turn))
            {
                try
                {
                    await Socket.ReceiveFromAsync(peek, SocketFlags.Peek, peekAddress, stop).ConfigureAwait(false);
                }
                catch (SocketException e) when (!IsDisposed && e.SocketErrorCode != SocketError.OperationAborted)
                {
                    OnReceiveError(e.SocketErrorCode);
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // Disposed.
        }
        catch (Exception e)
        {
            OnLoopFault(e);
        }
    }

    /// <summary>
    /// One recvmmsg: the count received, 0 when nothing is queued and there is no <paramref name="waiter"/>, or -1 once
    /// the socket is closed. With a waiter, waits until something arrives.
    /// </summary>
    private unsafe int ReceiveBatch(ReceiveSlots slots, ExclusiveReadWaiter? waiter)
    {
        while (true)
        {
            if (IsDisposed)
            {
                return -1;
            }

            // The reference keeps the descriptor from being closed (and its number reused) during the calls.
            bool added = false;
            try
            {
                Socket.SafeHandle.DangerousAddRef(ref added);
                int n = LinuxUdp.RecvMMsg(Descriptor, slots.Messages, (uint)slots.Count, LinuxUdp.MsgDontWait, null);
                if (n > 0)
                {
                    return n;
                }

                int errno = n < 0 ? Marshal.GetLastPInvokeError() : LinuxUdp.EAgain;
                if (errno == LinuxUdp.EAgain)
                {
                    if (waiter is null)
                    {
                        return 0;
                    }

                    waiter.Wait(ReceivePollMs);
                }
                else if (errno != LinuxUdp.EIntr && !IsDisposed)
                {
                    OnReceiveError(LinuxUdp.ToSocketError(errno));
                }
            }
            catch (ObjectDisposedException)
            {
                return -1;
            }
            finally
            {
                if (added)
                {
                    Socket.SafeHandle.DangerousRelease();
                }
            }
        }
    }
}
