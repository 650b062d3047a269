namespace Kcp.Transport;

/// <summary>
/// Holds a session's lock and sends the datagrams produced under it once the lock is released. The send (one
/// sendmmsg, and on loopback the receiver's wake-up the kernel does inside it) took longer than the protocol work,
/// and the receive loop and the application's writer waited for it in turn. Datagrams still leave in the order of the
/// critical sections: the session's send-order lock is taken before its lock is let go, and held until the batch is
/// sent, so a datagram queued later under the lock cannot overtake it.
/// </summary>
internal readonly ref struct SessionLockScope
{
    private readonly Lock _gate;
    private readonly Lock _sendOrder;
    private readonly SendBatch _batch;

    public SessionLockScope(Lock gate, Lock sendOrder)
    {
        _gate = gate;
        _sendOrder = sendOrder;
        _batch = SendBatch.Enter();
        gate.Enter();
    }

    public void Dispose()
    {
        // A nested scope leaves its datagrams to the outer one, which sends them after its own locks.
        bool ordered = _batch.Depth == 1 && !_batch.IsEmpty;
        if (ordered)
        {
            _sendOrder.Enter();
        }

        _gate.Exit();
        try
        {
            _batch.Exit();
        }
        finally
        {
            if (ordered)
            {
                _sendOrder.Exit();
            }
        }
    }
}
