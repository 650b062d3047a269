using System.Buffers;
using System.IO.Pipelines;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    private readonly Action _onInputDrained;
    private ValueTask<FlushResult> _pendingInputFlush;
    private bool _receivePaused;    // the application's input pipe is full: leave data in KCP so its window closes
    private bool _inputCompleted;   // the application stopped reading: discard what arrives
    private bool _remoteClosed;     // a close notice arrived
    private bool _inputFlushDeferred;   // data waits in the input pipe for the end of the receive turn
    private ReceiveTurn? _turn;         // the receive turn whose datagram is being processed, if any

    /// <summary>
    /// Feeds one decrypted packet (raw KCP or an FEC shard) to the engine, then moves what became readable to the
    /// application and what became sendable into KCP. Called by a receive loop.
    /// </summary>
    internal void OnPacket(ReadOnlySpan<byte> packet) => OnPacket(packet, default, packet.Length, turn: null);

    /// <summary>
    /// As <see cref="OnPacket(ReadOnlySpan{byte})"/>, with the datagram's AEAD <paramref name="nonce"/> (empty for the
    /// classic modes) checked against the replay window, and its size on the wire for the amplification budget. Within a
    /// receive <paramref name="turn"/>, the input pipe is flushed once at the turn's end.
    /// </summary>
    internal void OnPacket(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> nonce, int wireBytes, ReceiveTurn? turn)
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

            if (!nonce.IsEmpty && _aeadSend is not null && !AcceptNonce(nonce, now64))
            {
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

            _turn = turn;
            try
            {
                AfterInput(now);
            }
            finally
            {
                _turn = null;
            }

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

    /// <summary>Replay and reflection checks of one opened aes-128-gcm datagram (after a successful open only).</summary>
    private bool AcceptNonce(ReadOnlySpan<byte> nonce, long now64)
    {
        var gcm = (AesGcmPacketCipher)_cipher!;
        uint salt = AesGcmPacketCipher.SaltOf(nonce);
        if (salt == _aeadSend!.Salt || gcm.IsOwnSalt(salt))
        {
            _owner.Counters.OnDropped(PacketDropReason.Reflected);
            return false;
        }

        ulong counter = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(nonce[4..]);
        _replayWindow ??= new AeadReplayWindow(salt);
        bool fresh = salt == _replayWindow.PeerSalt ? _replayWindow.TryAccept(counter) : gcm.TryRemember(nonce, now64);
        if (!fresh)
        {
            _owner.Counters.OnDropped(PacketDropReason.Replayed);
        }

        return fresh;
    }

    /// <summary>Counts a datagram of this session that failed decryption.</summary>
    internal void OnChecksumError()
    {
        lock (_lock.Gate)
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
        if (Protocol.KcpCloseNotice.Is(kcp, Conversation))
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
        if (!_remoteClosed && writer.UnflushedBytes < _options.MaxReadBufferSize / 4 && _turn is { } turn)
        {
            if (!_inputFlushDeferred)
            {
                _inputFlushDeferred = true;
                turn.Defer(this);
            }

            return;
        }

        _inputFlushDeferred = false;
        FlushInput();
    }

    /// <summary>The end of a receive turn: flushes what <see cref="PumpReceive"/> left in the input pipe.</summary>
    void IDeferredReceiveWork.RunDeferred()
    {
        lock (_lock.Gate)
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
        lock (_lock.Gate)
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
