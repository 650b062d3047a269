using System.Diagnostics;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Ingress;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>How a session ends: gracefully once what was written is acknowledged, at once, or by its owner.</summary>
internal sealed partial class Session
{
    /// <summary>
    /// Completes <see cref="Output"/>, waits until everything written has been acknowledged by the peer (or
    /// <paramref name="cancellationToken"/> fires), then closes the session and tells a peer of ours.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        Task drained;
        lock (_lock.Gate)
        {
            if (!IsOpen)
            {
                return;
            }

            drained = _output.Drained;
        }

        await Output.CompleteAsync().ConfigureAwait(false);
        using (_lock.Enter())
        {
            // Completing the writer wakes a pending read; if none was pending, look at the pipe now.
            if (IsOpen)
            {
                _output.Pump(_driver.Now);
            }
        }

        try
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Close(KcpCloseReason.LocalClose, error: null);
        }
    }

    /// <summary>Closes gracefully, waiting at most <see cref="KcpOptions.LingerTimeout"/> for sent data to be acknowledged.</summary>
    public async ValueTask DisposeAsync()
    {
        if (CloseReason != KcpCloseReason.None)
        {
            return;
        }

        using var linger = new CancellationTokenSource(_context.Options.LingerTimeout);
        try
        {
            await CloseAsync(linger.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The peer did not acknowledge in time; the session is closed regardless.
        }
    }

    /// <inheritdoc/>
    void IPacketHandler.Close(KcpCloseReason reason) => Close(reason, new KcpSessionClosedException(reason));

    /// <summary>Ends the session once: final flush, pipes completed, owner told, <see cref="Closed"/> cancelled.</summary>
    public void Close(KcpCloseReason reason, Exception? error)
    {
        Debug.Assert(!_lock.Gate.IsHeldByCurrentThread, "Close calls the owner and must not run under the session lock.");
        using (_lock.Enter())
        {
            if (!IsOpen)
            {
                return;
            }

            _closeReason = reason;
            if (reason == KcpCloseReason.LocalClose)
            {
                // kcp-go sends what is queued once more on Close.
                _engine.Flush(_driver.Now, ackOnly: false);
            }

            // Tells a peer of ours that the session is gone, and whether it may read to the end.
            if (reason is KcpCloseReason.LocalClose or KcpCloseReason.Aborted or KcpCloseReason.TransportClosed or KcpCloseReason.Evicted)
            {
                _driver.SendCloseNotice(this, reason == KcpCloseReason.LocalClose ? KcpCloseKind.Graceful : KcpCloseKind.Abort);
            }

            _counters.Freeze();
            _driver.Dispose();
            _fec.Dispose();
            _input.Complete(error);
            _output.Complete();
            Datagrams.Close(error ?? new KcpSessionClosedException(reason));
        }

        // Counted into the owner's totals before the owner forgets the session, so no snapshot misses it.
        _context.Counters.OnSessionClosed(_counters, reason);
        _protection.Dispose();
        _owner.OnClosed(this, reason);
        KcpTransportLog.SessionClosed(_context.Logger, Conversation, RemoteEndPoint, reason);
        ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), _closedSource, preferLocal: false);
    }
}
