using System.Buffers;
using System.IO.Pipelines;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    private readonly Action _onInputDrained;
    private ValueTask<FlushResult> _pendingInputFlush;
    private bool _receivePaused;    // the application's input pipe is full: leave data in KCP so its window closes
    private bool _inputCompleted;   // the application stopped reading: discard what arrives
    private bool _remoteClosed;     // a close notice arrived
    private bool _inputFlushDeferred;   // data waits in the input pipe for the end of the receive batch

    /// <summary>
    /// Feeds one decrypted packet (raw KCP or an FEC shard) to the engine, then moves what became readable to the
    /// application and what became sendable into KCP. Called by a receive loop.
    /// </summary>
    internal void OnPacket(ReadOnlySpan<byte> packet) => OnPacket(packet, default, packet.Length);

    /// <summary>
    /// As <see cref="OnPacket(ReadOnlySpan{byte})"/>, with the opened <paramref name="datagram"/> the packet came in
    /// checked for replay and reflection (empty: no check), and its size on the wire for the amplification budget.
    /// </summary>
    internal void OnPacket(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> datagram, int wireBytes)
    {
        long now64 = KcpClock.NowMs64;
        uint now = EngineTime(now64);
        bool newlyValidated = false;
        using (Locked())
        {
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            if (!datagram.IsEmpty && PacketLayout.Refusal(_protection.Accept(datagram, now64)) is { } refusal)
            {
                _owner.Counters.OnDropped(refusal);
                return;
            }

            if (!_addressValidated)
            {
                _wireReceived += wireBytes;
            }

            _lastReceiveMs = now64;
            _now = now;
            if (KcpPacketInspector.IsFec(packet, out ushort type))
            {
                if (packet.Length < PacketLayout.FecHeaderSizePlus2)
                {
                    _owner.Counters.OnDropped(PacketDropReason.FecMalformed);
                    return;
                }

                // Data shards reach KCP at once; the decoder only adds what it rebuilds (upstream kcp-go order).
                if (type == Fec.FecPacket.TypeData)
                {
                    InputKcp(packet.Slice(PacketLayout.FecHeaderSizePlus2), regular: true);
                }
                else
                {
                    _fecParityShards++;
                }

                if (_fecDecoder is { } decoder)
                {
                    var sink = this;
                    decoder.Decode(packet, now, ref sink);
                }
            }
            else
            {
                InputKcp(packet, regular: true);
            }

            if (_engine.PendingAcks >= _acksPerDatagram)
            {
                _engine.Flush(now, ackOnly: true);
            }

            if (!_addressValidated && _engine.PeerEchoed)
            {
                Volatile.Write(ref _addressValidated, true);
                newlyValidated = true;
            }

            AfterInput(now);
            if (!_remoteClosed)
            {
                if (newlyValidated)
                {
                    _owner.OnSessionValidated(this);
                }

                return;
            }

            // The peer closed after all its data was acknowledged: hand the rest to the application, then end.
            _receivePaused = false;
            PumpReceive();
        }

        Close(KcpCloseReason.RemoteClose, error: null);
    }

    /// <summary>Counts a datagram of this session that failed decryption.</summary>
    internal void OnChecksumError()
    {
        lock (_gate)
        {
            _checksumErrors++;
        }
    }

    void Fec.IFecRecoveredSink.OnRecovered(ReadOnlySpan<byte> kcpPart)
    {
        _fecRecovered++;
        InputKcp(kcpPart, regular: false);
    }

    private void InputKcp(ReadOnlySpan<byte> kcp, bool regular)
    {
        if (KcpCloseNotice.Is(kcp, Conversation))
        {
            _remoteClosed = true;
            return;
        }

        if (_engine.Input(kcp, regular, _options.AckNoDelay, _now) < 0)
        {
            _owner.Counters.OnDropped(PacketDropReason.Malformed);
        }
    }

    private void AfterInput(uint now)
    {
        PumpReceive();
        if (_outputBlocked && _engine.WaitSnd < _engine.SendWindow)
        {
            _outputBlocked = false;
            PumpOutput(now);
        }

        CheckDrained();
        ArmTimer(KcpClock.NowMs64);
    }

    /// <summary>Moves complete messages from KCP's receive queue into the input pipe until it asks us to pause.</summary>
    private void PumpReceive()
    {
        if (_receivePaused)
        {
            return;
        }

        PipeWriter writer = _inputPipe.Writer;
        long budget = _options.MaxReadBufferSize;
        bool wrote = false;
        int size;
        while ((size = _engine.PeekSize()) > 0)
        {
            if (_inputCompleted)
            {
                // Nobody reads any more: drain KCP so the peer is not stalled by a closed window.
                DiscardMessage(size);
                continue;
            }

            int n = _engine.Receive(writer.GetSpan(size));
            writer.Advance(n);
            _bytesReceived += n;
            wrote = true;
            if ((budget -= n) <= 0)
            {
                break;
            }
        }

        if (!wrote && !_inputFlushDeferred)
        {
            return;
        }

        // A close notice is acted on right after this: the application must have everything first. Past a quarter of
        // the read buffer unflushed, flush now: the pipe pauses only at a flush, and a reader that does not read must
        // stop us within about the read buffer, batch or not.
        if (!_remoteClosed && writer.UnflushedBytes < _options.MaxReadBufferSize / 4 && DeferredInputFlushes.Current is { } deferred)
        {
            if (!_inputFlushDeferred)
            {
                _inputFlushDeferred = true;
                deferred.Add(this);
            }

            return;
        }

        _inputFlushDeferred = false;
        FlushInput();
    }

    /// <summary>The end of a receive batch: flushes what <see cref="PumpReceive"/> left in the input pipe.</summary>
    internal void FlushDeferredInput()
    {
        lock (_gate)
        {
            _inputFlushDeferred = false;
            if (_closeReason == KcpCloseReason.None && !_receivePaused && !_inputCompleted)
            {
                FlushInput();
            }
        }
    }

    private void FlushInput()
    {
        ValueTask<FlushResult> flush = _inputPipe.Writer.FlushAsync();
        if (flush.IsCompleted)
        {
            _inputCompleted |= flush.Result.IsCompleted;
            if (_engine.PeekSize() > 0 && !_inputCompleted)
            {
                PumpReceive();
            }

            return;
        }

        _receivePaused = true;
        _pendingInputFlush = flush;
        flush.GetAwaiter().UnsafeOnCompleted(_onInputDrained);
    }

    private void DiscardMessage(int size)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(size);
        _engine.Receive(rented);
        ArrayPool<byte>.Shared.Return(rented);
    }

    private void OnInputDrained()
    {
        lock (_gate)
        {
            _receivePaused = false;
            FlushResult result = _pendingInputFlush.GetAwaiter().GetResult();
            _pendingInputFlush = default;
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            _inputCompleted |= result.IsCompleted;
            PumpReceive();
            ArmTimer(KcpClock.NowMs64);
        }
    }
}
