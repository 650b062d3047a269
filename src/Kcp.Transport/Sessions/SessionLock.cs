using Kcp.Transport.Io;

namespace Kcp.Transport.Sessions;

/// <summary>
/// A session's lock and the batch its datagrams collect in while the lock is held: they are sent once the lock is
/// released. The send (one sendmmsg, and on loopback the receiver's wake-up the kernel does inside it) took longer than
/// the protocol work, and the receive loop and the application's writer waited for it in turn. Datagrams still leave
/// in the order of the critical sections: the send-order lock is taken before the session lock is let go and held
/// until the batch is sent, so a datagram queued later under the lock cannot overtake it. Re-entering on the thread
/// that holds the lock shares the outer batch, which the outermost exit sends.
/// </summary>
/// <remarks>
/// No lock is held across a wait on the socket: the session lock is released before the send, and the send-order lock
/// is held across it only because sends never wait (the socket is non-blocking and a full buffer drops the rest of the
/// batch: <see cref="UdpSocket"/>), so whoever waits for it waits for the sealing and one system call at most.
/// </remarks>
internal sealed class SessionLock(SendBatchPool batches)
{
    private readonly Lock _gate = new();
    private readonly Lock _sendOrder = new();
    private SendBatch? _batch;
    private int _depth;

    /// <summary>The lock alone, for work that never sends (reads of state, pipe bookkeeping).</summary>
    public Lock Gate => _gate;

    /// <summary>The batch of the current holder, or null when the lock was taken through <see cref="Gate"/>.</summary>
    public SendBatch? Batch => _batch;

    /// <summary>Takes the lock for work that may send; dispose the scope to release it and send.</summary>
    public Scope Enter()
    {
        _gate.Enter();
        if (_depth++ == 0)
        {
            _batch = batches.Rent();
        }

        return new Scope(this);
    }

    private void Exit()
    {
        if (--_depth > 0)
        {
            _gate.Exit();
            return;
        }

        SendBatch batch = _batch!;
        _batch = null;
        bool ordered = batch.Count > 0;
        if (ordered)
        {
            _sendOrder.Enter();
        }

        _gate.Exit();
        try
        {
            batch.Flush();
        }
        finally
        {
            if (ordered)
            {
                _sendOrder.Exit();
            }

            batches.Return(batch);
        }
    }

    /// <summary>The held lock; disposing releases it and sends what was collected.</summary>
    public readonly ref struct Scope(SessionLock owner)
    {
        public void Dispose() => owner.Exit();
    }
}
