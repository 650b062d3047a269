using System.Buffers;
using System.IO.Pipelines;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    private readonly Action _onOutputReadable;
    private ValueTask<ReadResult> _pendingOutputRead;
    private bool _outputReadPending;  // a ReadAsync on the output pipe is registered
    private bool _outputBlocked;      // KCP's send queue is full; resumed by AfterInput when ACKs free it
    private bool _outputCompleted;    // the application completed Output and all of it is in KCP

    /// <summary>
    /// Moves application bytes from the output pipe into KCP while the send queue is below the send window (as
    /// kcp-go's Write waits on), then flushes. Leaves a ReadAsync registered when the pipe is empty.
    /// </summary>
    private void PumpOutput(uint now)
    {
        bool queued = false;
        PipeReader reader = _outputPipe.Reader;
        while (_closeReason == KcpCloseReason.None && !_outputCompleted && !_outputReadPending)
        {
            if (_engine.WaitSnd >= _engine.SendWindow)
            {
                _outputBlocked = true;
                break;
            }

            if (!reader.TryRead(out ReadResult result))
            {
                ValueTask<ReadResult> read = reader.ReadAsync();
                if (!read.IsCompleted)
                {
                    _outputReadPending = true;
                    _pendingOutputRead = read;
                    read.GetAwaiter().UnsafeOnCompleted(_onOutputReadable);
                    break;
                }

                result = read.GetAwaiter().GetResult();
            }

            queued |= QueueIntoKcp(reader, result);
        }

        if (queued)
        {
            _engine.Flush(now, ackOnly: false);
        }

        CheckDrained();
        ArmTimer(KcpClock.NowMs64);
    }

    /// <summary>Queues as much of <paramref name="result"/> as the send window allows, in pieces of at most one MSS.</summary>
    private bool QueueIntoKcp(PipeReader reader, in ReadResult result)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        long taken = 0;
        int mss = _engine.Mss;
        foreach (ReadOnlyMemory<byte> memory in buffer)
        {
            ReadOnlySpan<byte> span = memory.Span;
            while (!span.IsEmpty && _engine.WaitSnd < _engine.SendWindow)
            {
                int piece = Math.Min(span.Length, mss);
                _engine.Send(span.Slice(0, piece));
                span = span.Slice(piece);
                taken += piece;
            }

            if (!span.IsEmpty)
            {
                break;
            }
        }

        SequencePosition consumed = buffer.GetPosition(taken);
        reader.AdvanceTo(consumed);
        _bytesSent += taken;
        if (result.IsCompleted && taken == buffer.Length)
        {
            _outputCompleted = true;
        }

        return taken > 0;
    }

    private void OnOutputReadable()
    {
        lock (_gate)
        {
            using var sends = SendBatchScope.Enter();
            _outputReadPending = false;
            ReadResult result = _pendingOutputRead.GetAwaiter().GetResult();
            _pendingOutputRead = default;
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            uint now = KcpClock.NowMs;
            bool queued = QueueIntoKcp(_outputPipe.Reader, result);
            if (queued)
            {
                _engine.Flush(now, ackOnly: false);
            }

            PumpOutput(now);
        }
    }

    void Protocol.IKcpOutputSink.Output(Span<byte> datagram)
    {
        if (_fecEncoder is { } encoder)
        {
            int parity = encoder.Encode(datagram);
            Transmit(datagram);
            for (int i = 0; i < parity; i++)
            {
                Transmit(encoder.GetParity(i));
            }
        }
        else
        {
            Transmit(datagram);
        }
    }

    private void Transmit(Span<byte> datagram)
    {
        _cipher?.Seal(datagram);
        _owner.Socket.Send(datagram, _remoteAddress);
    }
}
