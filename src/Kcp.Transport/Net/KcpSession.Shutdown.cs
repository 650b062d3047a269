using System.Diagnostics;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    private TaskCompletionSource? _drained;

    /// <summary>
    /// Completes <see cref="Output"/>, waits until everything written has been acknowledged by the peer (or
    /// <paramref name="cancellationToken"/> fires), then closes the session. KCP has no FIN: the peer is not told.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource drained;
        lock (_gate)
        {
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            drained = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await _outputPipe.Writer.CompleteAsync().ConfigureAwait(false);
        using (Locked())
        {
            // Completing the writer wakes a pending read; if none was pending, look at the pipe now.
            if (_closeReason == KcpCloseReason.None)
            {
                PumpOutput(EngineNow);
            }
        }

        try
        {
            await drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Close(KcpCloseReason.LocalClose, error: null);
        }
    }

    /// <summary>Closes the session at once; queued and unacknowledged data is discarded.</summary>
    public void Abort() => Close(KcpCloseReason.Aborted, error: null);

    /// <summary>Closes gracefully, waiting at most <see cref="KcpOptions.LingerTimeout"/> for sent data to be acknowledged.</summary>
    public async ValueTask DisposeAsync()
    {
        if (CloseReason != KcpCloseReason.None)
        {
            return;
        }

        using var linger = new CancellationTokenSource(_options.LingerTimeout);
        try
        {
            await CloseAsync(linger.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The peer did not acknowledge in time; the session is closed regardless.
        }
    }

    /// <summary>Completes a pending <see cref="CloseAsync"/> once the output is complete and KCP holds nothing unacknowledged.</summary>
    private void CheckDrained()
    {
        if (_drained is { } drained && _outputCompleted && _engine.WaitSnd == 0)
        {
            drained.TrySetResult();
        }
    }

    /// <summary>Tells a peer of ours that the session is gone (twice: it is one unacknowledged datagram).</summary>
    private void SendCloseNotice()
    {
        int header = _engine.Reserved;
        Span<byte> datagram = stackalloc byte[header + KcpCloseNotice.Size];
        for (int i = 0; i < 2; i++)
        {
            datagram.Clear();
            KcpCloseNotice.Write(datagram.Slice(header), Conversation, EngineNow);
            ((Protocol.IKcpOutputSink)this).Output(datagram);
        }
    }

    /// <summary>Ends the session once: final flush, pipes completed, owner told, <see cref="Closed"/> cancelled.</summary>
    internal void Close(KcpCloseReason reason, Exception? error)
    {
        Debug.Assert(!_gate.IsHeldByCurrentThread, "Close calls the owner and must not run under the session lock.");
        using (Locked())
        {
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            _closeReason = reason;
            if (reason == KcpCloseReason.LocalClose)
            {
                // kcp-go sends what is queued once more on Close.
                _engine.Flush(EngineNow, ackOnly: false);
            }

            if (reason is KcpCloseReason.LocalClose or KcpCloseReason.Aborted or KcpCloseReason.TransportClosed)
            {
                SendCloseNotice();
            }

            _finalTotals = CaptureTotals();
            _engine.Dispose();
            _fecEncoder?.Dispose();
            _fecDecoder?.Dispose();
            _inputPipe.Writer.Complete(error);
            _outputPipe.Reader.Complete();
            _drained?.TrySetResult();
        }

        // Counted into the owner's totals before the owner forgets the session, so no snapshot misses it.
        _owner.Counters.OnSessionClosed(this, reason);
        _protection.Dispose();   // returns what the session held in the shared key (nonce salts, claims)

        _owner.OnSessionClosed(this);
        KcpTransportLog.SessionClosed(_owner.Logger, Conversation, RemoteEndPoint, reason);
        ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), _closedSource, preferLocal: false);
    }
}
