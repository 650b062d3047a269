namespace Kcp.Transport.Protocol;

/// <summary>Input: processing one KCP part received from the peer (kcp-wire.md §2.4).</summary>
internal sealed partial class KcpControlBlock
{
    /// <summary>
    /// Processes one KCP part (one or more segments). <paramref name="regular"/> is false for FEC-recovered packets:
    /// they neither update the remote window nor give an RTT sample. May flush with <paramref name="now"/>: a full
    /// flush if una advanced, else an ACK-only flush if <paramref name="ackNoDelay"/> and ACKs are pending.
    /// Returns 0, -1 if shorter than a header or conv mismatch, -2 if a segment's len exceeds the bytes left,
    /// -3 for an unknown command. Segments before a bad one stay processed, as in kcp-go.
    /// </summary>
    public int Input(ReadOnlySpan<byte> data, bool regular, bool ackNoDelay, uint now)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.Length < Overhead)
        {
            return Reject(-1);
        }

        uint previousUna = _sendUna;
        int latestRtt = -1;
        long segments = 0;
        int error = 0;

        // una is applied once, after the part (the largest seen: kcp-go's per-segment parse_una drops the same), so that
        // an ACK riding behind data, whose una already covers it, still finds its segment and gives an RTT sample.
        uint una = _sendUna;

        while (data.Length >= Overhead)
        {
            var header = KcpSegmentHeader.Read(data);
            if (header.Conv != Conv)
            {
                error = -1;
                break;
            }

            data = data[Overhead..];
            if (header.Length > (uint)data.Length)
            {
                error = -2;
                break;
            }

            if (!KcpCommand.IsValid(header.Command))
            {
                error = -3;
                break;
            }

            // FEC-recovered copies may be stale; only trust window updates from packets that really arrived now.
            if (regular)
            {
                _remoteWindow = header.Window;
            }

            // An ACK counts for RTT only if it echoes the (sn, ts) of a segment still in flight.
            if (header.Command == KcpCommand.Ack && regular && Echoes(header.SequenceNumber, header.Timestamp, out bool unacked))
            {
                PeerEchoed = true;
                if (unacked)
                {
                    latestRtt = KcpTime.Diff(now, header.Timestamp);
                }
            }

            if (KcpTime.Diff(header.Una, una) > 0)
            {
                una = header.Una;
            }

            var payload = data[..(int)header.Length];
            switch (header.Command)
            {
                case KcpCommand.Ack:
                    ParseAck(header.SequenceNumber);
                    ParseFastAck(header.SequenceNumber, header.Timestamp);
                    break;
                case KcpCommand.Push:
                    bool repeat = true;
                    if (KcpTime.Diff(header.SequenceNumber, unchecked(_receiveNext + _receiveWindow)) < 0)
                    {
                        // Duplicates below rcv_nxt are acknowledged again: the first ACK may have been lost.
                        if (KcpTime.Diff(header.SequenceNumber, _receiveNext) >= 0)
                        {
                            repeat = ParseData(header.SequenceNumber, header.Fragment, payload);
                        }

                        _ackList.Add(header.SequenceNumber, header.Timestamp, duplicate: repeat);
                    }

                    if (regular && repeat)
                    {
                        _counters.RepeatSegs++;
                    }

                    break;
                case KcpCommand.WindowAsk:
                    _probe |= KcpConstants.AskTell;
                    break;
                default:
                    // WINS: the window update above is all it carries.
                    break;
            }

            segments++;
            data = data[(int)header.Length..];
        }

        // A bad segment ends the part; the segments before it stay processed, their una included.
        bool windowSlid = ParseUna(una);
        if (error != 0)
        {
            return Reject(error);
        }

        _counters.InSegs += segments;

        // One RTT sample per part, from the last ACK in it (kcp-go; ikcp.c samples every ACK). Unlike kcp-go, only ACKs
        // of a segment still unacknowledged with its first or last send time count (Karn plus a timestamp check), so
        // replayed or stale ACKs cannot inflate the RTO; the bytes we send are unchanged.
        if (latestRtt >= 0)
        {
            _rtt.AddSample(latestRtt, _interval);
        }

        if (_noCongestionWindow == 0 && KcpTime.Diff(_sendUna, previousUna) > 0)
        {
            GrowCongestionWindow();
        }

        if (windowSlid)
        {
            // kcp-go's flush here sends the ACK list too. Unless ACKs are wanted at once, they wait for the answer's
            // data (or the next interval): the first data datagram of a request slides the window (its una covers the
            // last response), and its ACK would otherwise leave alone, waking the peer twice per answer.
            Flush(now, ackOnly: false, withAcks: ackNoDelay);
        }
        else if (ackNoDelay && _ackList.Count > 0)
        {
            Flush(now, ackOnly: true);
        }

        return 0;
    }

    /// <summary>
    /// True once an ACK echoed the exact (sn, ts) of a segment we had in flight: the peer receives at its address
    /// (address validation without a wire change, since our clock starts at a random offset).
    /// </summary>
    public bool PeerEchoed { get; private set; }

    // True if (sn, ts) is a segment of snd_buf at its first or its last send time; unacked: no ACK for it was taken
    // yet. The first send time counts too: when the RTT exceeds the RTO (200 ms before any sample), the first copy's
    // ACK arrives after the retransmission, and with the last time alone no sample was ever taken and a passive
    // session never validated its peer (stop-and-wait under the amplification guard). The echoed ts is exact for the
    // copy it names, so the sample is too (no Karn ambiguity).
    private bool Echoes(uint sn, uint ts, out bool unacked)
    {
        unacked = false;
        if (_sendBuffer.Count == 0 || KcpTime.Diff(sn, _sendUna) < 0 || KcpTime.Diff(sn, _sendNext) >= 0)
        {
            return false;
        }

        int index = (int)unchecked(sn - _sendBuffer.FrontSequenceNumber);
        if ((uint)index >= (uint)_sendBuffer.Count)
        {
            return false;
        }

        var slot = _sendBuffer[index];
        if (slot.Transmissions == 0 || (slot.Timestamp != ts && slot.FirstTimestamp != ts))
        {
            return false;
        }

        unacked = !slot.Acked;
        return true;
    }

    private int Reject(int code)
    {
        _counters.InErrors++;
        return code;
    }

    // Drops every snd_buf entry below una and recomputes snd_una; true if anything was dropped.
    private bool ParseUna(uint una)
    {
        bool dropped = false;
        while (_sendBuffer.Count > 0 && KcpTime.Diff(una, _sendBuffer.FrontSequenceNumber) > 0)
        {
            _pool.Return(_sendBuffer.PopFront());
            dropped = true;
        }

        _sendUna = _sendBuffer.Count > 0 ? _sendBuffer.FrontSequenceNumber : _sendNext;
        return dropped;
    }

    private void ParseAck(uint sn)
    {
        if (KcpTime.Diff(sn, _sendUna) < 0 || KcpTime.Diff(sn, _sendNext) >= 0)
        {
            return;
        }

        // snd_buf holds consecutive sequence numbers from snd_una, so the entry is found by offset, not by a scan.
        // Marked, not removed: removing from the middle would shift the window; una removes it later, with its data.
        int index = (int)unchecked(sn - _sendBuffer.FrontSequenceNumber);
        if ((uint)index < (uint)_sendBuffer.Count)
        {
            var slot = _sendBuffer[index];
            slot.Acked = true;
        }
    }

    private void ParseFastAck(uint sn, uint ts)
    {
        if (KcpTime.Diff(sn, _sendUna) < 0 || KcpTime.Diff(sn, _sendNext) >= 0 || _sendBuffer.Count == 0)
        {
            return;
        }

        // The segments before sn's slot were skipped over by this ACK; sn's own slot and later ones were not.
        // Only segments sent no later than the acknowledged one count.
        int skipped = KcpTime.Diff(sn, _sendBuffer.FrontSequenceNumber);
        if (skipped > 0)
        {
            _sendBuffer.AddFastAck(skipped, ts);
        }
    }

    // Stores a PUSH in rcv_buf (sn order) unless present; returns true if it was a duplicate.
    private bool ParseData(uint sn, byte fragment, ReadOnlySpan<byte> payload)
    {
        int insertAt = 0;
        for (int i = _receiveBuffer.Count - 1; i >= 0; i--)
        {
            var existing = _receiveBuffer[i];
            if (existing.SequenceNumber == sn)
            {
                MoveReadySegments();
                return true;
            }

            if (KcpTime.Diff(sn, existing.SequenceNumber) > 0)
            {
                insertAt = i + 1;
                break;
            }
        }

        // At least Mss so recycled buffers fit any segment we send; more if a peer with a larger MTU sent a longer one.
        var segment = _pool.Rent(Math.Max(payload.Length, Mss));
        payload.CopyTo(segment.Buffer);
        segment.Length = payload.Length;
        segment.SequenceNumber = sn;
        segment.Fragment = fragment;
        _receiveBuffer.Insert(insertAt, segment);

        MoveReadySegments();
        return false;
    }

    // kcp-wire.md §2.6.3: slow start below ssthresh, then roughly one segment per window of ACKs.
    private void GrowCongestionWindow()
    {
        if (_cwnd >= _remoteWindow)
        {
            return;
        }

        uint mss = (uint)Mss;
        unchecked
        {
            if (_cwnd < _ssthresh)
            {
                _cwnd++;
                _incr += mss;
            }
            else
            {
                if (_incr < mss)
                {
                    _incr = mss;
                }

                _incr += (mss * mss / _incr) + (mss / 16);
                if ((_cwnd + 1) * mss <= _incr)
                {
                    _cwnd = (_incr + mss - 1) / mss;
                }
            }

            if (_cwnd > _remoteWindow)
            {
                _cwnd = _remoteWindow;
                _incr = _remoteWindow * mss;
            }
        }
    }
}
