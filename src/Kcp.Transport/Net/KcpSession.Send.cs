using System.Buffers;
using System.IO.Pipelines;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    private readonly Action _onOutputReadable;
    private ValueTask<ReadResult> _pendingOutputRead;
    private bool _outputReadPending;  // a ReadAsync on the output pipe is registered
    private bool _outputBlocked;      // KCP's send queue is full; resumed by AfterInput when ACKs free it
    private bool _outputCompleted;    // the application completed Output and all of it is in KCP
    private long _nextProbeMs = KcpClock.NowMs64 + FirstAmplificationProbeMs;
    private long _probeIntervalMs = FirstAmplificationProbeMs;

    // When an unvalidated session may send one datagram beyond its amplification budget: 200 ms after it opened (the
    // engine's first retransmission of an unmeasured path), then at doubling intervals up to 2 s.
    internal const long FirstAmplificationProbeMs = 200;
    internal const long MaxAmplificationProbeIntervalMs = 2000;

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
            long allowance = AmplificationAllowance();
            if (_engine.WaitSnd >= _engine.SendWindow || allowance < 1)
            {
                // Resumed by AfterInput: ACKs free the window (and validate the address).
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

            queued |= QueueIntoKcp(reader, result, allowance);
        }

        if (queued)
        {
            _engine.Flush(now, ackOnly: false);
        }

        CheckDrained();
        ArmTimer(KcpClock.NowMs64);
    }

    /// <summary>Queues as much of <paramref name="result"/> as the send window allows, in pieces of at most one MSS.</summary>
    private bool QueueIntoKcp(PipeReader reader, in ReadResult result, long maxBytes = long.MaxValue)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        long taken = 0;
        int mss = (int)Math.Min(_engine.Mss, maxBytes);
        foreach (ReadOnlyMemory<byte> memory in buffer)
        {
            ReadOnlySpan<byte> span = memory.Span;
            while (!span.IsEmpty && _engine.WaitSnd < _engine.SendWindow && taken < maxBytes)
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
        using (Locked())
        {
            _outputReadPending = false;
            ReadResult result = _pendingOutputRead.GetAwaiter().GetResult();
            _pendingOutputRead = default;
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            uint now = EngineNow;
            bool queued = QueueIntoKcp(_outputPipe.Reader, result, AmplificationAllowance());
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

    /// <summary>
    /// Application bytes KCP may take now. Unlimited once the address is validated; before, one datagram at a time that
    /// fits the amplification budget (N x received - sent), so that a peer that sent a small request gets a small first
    /// segment whose ACK validates it (one extra round trip, as QUIC), while a spoofed address gets almost nothing.
    /// </summary>
    private long AmplificationAllowance()
    {
        if (_addressValidated || _amplificationFactor == 0)
        {
            return long.MaxValue;
        }

        if (_engine.WaitSnd > 0)
        {
            return 0;
        }

        // The pending ACKs leave in the same datagram, ahead of the segment: without counting them the first answer
        // overshot the budget and waited for the first probe.
        long left = (_amplificationFactor * _wireReceived) - _wireSent;
        long headers = _engine.Reserved + ((_engine.PendingAcks + 1L) * Protocol.KcpControlBlock.Overhead) + _cryptTrailer;
        return Math.Min(left - headers, _engine.Mss);
    }

    /// <summary>The most probe datagrams an unvalidated session sends beyond its budget within <paramref name="elapsedMs"/> of opening.</summary>
    internal static long MaxAmplificationProbes(long elapsedMs)
    {
        long probes = 0;
        long at = FirstAmplificationProbeMs;
        long interval = FirstAmplificationProbeMs;
        while (at <= elapsedMs)
        {
            probes++;
            at += interval;
            interval = Math.Min(interval * 2, MaxAmplificationProbeIntervalMs);
        }

        return probes;
    }

    private void Transmit(Span<byte> datagram)
    {
        if (!_addressValidated && _amplificationFactor > 0
            && _wireSent + datagram.Length + _cryptTrailer > _amplificationFactor * _wireReceived)
        {
            // Anti-amplification (QUIC §8): until the peer proved it receives here, send at most N x what it sent.
            // A real peer whose request was acknowledged sends nothing more until our answer arrives, so if that answer
            // is lost the budget would never refill: probe datagrams still go out with backoff (QUIC's client probes
            // play this part; a KCP client has none). Starting at a retransmission timeout instead of a fixed second
            // keeps one lost answer from costing a request over a lossy link a second; doubling keeps a spoofed
            // address to fewer probes (see MaxAmplificationProbes) until its unvalidated session is reaped
            // (KcpSecurityOptions.UnvalidatedIdleTimeout after its last datagram).
            long nowMs = KcpClock.NowMs64;
            if (nowMs < _nextProbeMs)
            {
                _owner.Counters.OnDropped(PacketDropReason.AmplificationLimit);
                return;
            }

            _nextProbeMs = nowMs + _probeIntervalMs;
            _probeIntervalMs = Math.Min(_probeIntervalMs * 2, MaxAmplificationProbeIntervalMs);
        }

        // A cipher with a trailer seals a copy with room for it (the engine's Mtu leaves that room); others seal in place.
        ReadOnlySpan<byte> wire = _protection.Seal(datagram);
        if (!_addressValidated)
        {
            _wireSent += wire.Length;
        }

        _owner.Socket.Send(wire, _remoteAddress);
    }
}
