namespace Kcp.Transport.Protocol;

/// <summary>Flush: building and emitting datagrams, retransmission and congestion control (kcp-wire.md §2.5–2.6).</summary>
internal sealed partial class KcpControlBlock
{
    /// <summary>
    /// Emits pending ACKs and, unless <paramref name="ackOnly"/>, window probes and new and due segments: the segments
    /// first, then the ACKs and probes. Datagrams are filled greedily up to <see cref="Mtu"/> bytes, head-room
    /// included. Returns the ms until the next flush is due: the interval, or less when a retransmission is due sooner.
    /// </summary>
    /// <remarks>
    /// kcp-go writes ACKs first; we write them after the data so that they ride in the room the last data datagram
    /// leaves. Written first, a few ACKs made a short datagram of their own ahead of the data: one datagram more per
    /// flush, a GSO send split in two, and a receiver woken for the ACKs and again for the data. The peer reads a
    /// datagram's segments in any order (kcp-wire.md §2.4), so nothing changes on its side.
    /// </remarks>
    public uint Flush(uint now, bool ackOnly) => Flush(now, ackOnly, withAcks: true);

    /// <summary>As <see cref="Flush(uint, bool)"/>; without <paramref name="withAcks"/> the ACK list waits for the next flush.</summary>
    private uint Flush(uint now, bool ackOnly, bool withAcks)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ushort window = UnusedWindow();
        uint una = _receiveNext;
        int position = Reserved;
        int controlBytes = 0;

        // ACK, WASK and WINS share one template; WASK/WINS carry whatever sn/ts the last written ACK left (as kcp-go).
        uint templateSn = 0;
        uint templateTs = 0;
        int ackCount = withAcks ? _ackList.Count : 0;
        int representative = _ackList.RepresentativeIndex;
        for (int i = 0; i < ackCount; i++)
        {
            uint sn = _ackList.SequenceNumberAt(i);

            // ACKs below rcv_nxt are already covered by una; keep only one, so the peer still gets an RTT sample.
            if (KcpTime.Diff(sn, _receiveNext) >= 0 || i == representative)
            {
                templateSn = sn;
                templateTs = _ackList.TimestampAt(i);
                controlBytes = WriteControl(controlBytes, KcpCommand.Ack, window, templateTs, templateSn, una);
            }
        }

        if (withAcks)
        {
            _ackList.Clear();
        }

        if (ackOnly)
        {
            EmitRemaining(AppendControls(position, controlBytes));
            return _interval;
        }

        ScheduleWindowProbe(now);

        if ((_probe & KcpConstants.AskSend) != 0)
        {
            controlBytes = WriteControl(controlBytes, KcpCommand.WindowAsk, window, templateTs, templateSn, una);
        }

        if ((_probe & KcpConstants.AskTell) != 0)
        {
            controlBytes = WriteControl(controlBytes, KcpCommand.WindowTell, window, templateTs, templateSn, una);
        }

        _probe = 0;

        uint effectiveWindow = Math.Min(_sendWindow, _remoteWindow);
        if (_noCongestionWindow == 0)
        {
            effectiveWindow = Math.Min(_cwnd, effectiveWindow);
        }

        int newSegments = 0;
        while (_sendQueue.Count > 0 && KcpTime.Diff(_sendNext, unchecked(_sendUna + effectiveWindow)) < 0)
        {
            var segment = _sendQueue.PopFront();
            segment.SequenceNumber = _sendNext;
            _sendBuffer.PushBack(_sendNext, segment);
            _sendNext++;
            newSegments++;
        }

        // resend = 0 disables fast retransmit: no fastack count can reach uint.MaxValue.
        uint resent = _fastResend > 0 ? (uint)_fastResend : uint.MaxValue;

        // Any fast ACK triggers a send when early retransmit applies (nothing new is going out), else resent of them.
        uint fastAckLimit = newSegments == 0 ? 1 : resent;
        long change = 0;
        long lost = 0;
        long fast = 0;
        long early = 0;
        int nextDue = (int)_interval;

        // The send buffer skips the slots with nothing to send (usually almost all) in one tight scan that also folds
        // their resend times into nextDue; only the slots it stops at take the kcp-go decision chain below.
        for (int i = _sendBuffer.NextToSend(0, now, fastAckLimit, ref nextDue);
            i < _sendBuffer.Count;
            i = _sendBuffer.NextToSend(i + 1, now, fastAckLimit, ref nextDue))
        {
            var slot = _sendBuffer[i];

            // kcp-go order: initial, fast, early, timeout (kcp-wire.md §2.6.2).
            bool send = false;
            if (slot.Transmissions == 0)
            {
                send = true;
                slot.Rto = _rtt.Rto;
                slot.ResendAt = unchecked(now + slot.Rto);
            }
            else if (slot.FastAck >= resent || (slot.FastAck > 0 && newSegments == 0))
            {
                // Fast retransmit after enough skipping ACKs; early retransmit when nothing new is going out, so a
                // skipped segment need not wait for its RTO.
                if (slot.FastAck >= resent)
                {
                    fast++;
                }
                else
                {
                    early++;
                }

                send = true;
                slot.FastAck = 0;
                slot.Rto = _rtt.Rto;
                slot.ResendAt = unchecked(now + slot.Rto);
                change++;
            }
            else if (KcpTime.Diff(now, slot.ResendAt) >= 0)
            {
                // Linear, uncapped back-off (kcp-go), unlike ikcp.c's doubling.
                send = true;
                slot.Rto = unchecked(slot.Rto + (_noDelay == 0 ? _rtt.Rto : _rtt.Rto / 2));
                slot.FastAck = 0;
                slot.ResendAt = unchecked(now + slot.Rto);
                lost++;
            }

            // Read everything needed from the slot before MakeSpace: the output sink runs there, and the ref must not
            // be relied on after foreign code ran.
            int due = KcpTime.Diff(slot.ResendAt, now);
            if (send)
            {
                if (slot.Transmissions == 0)
                {
                    slot.FirstTimestamp = now;
                }

                slot.Timestamp = now;
                uint transmissions = ++slot.Transmissions;
                var segment = slot.Segment;
                position = WritePush(MakeSpace(position, Overhead + segment.Length), segment, window, now, una);
                _counters.OutSegs++;

                if (transmissions >= DeadLink)
                {
                    _deadLink = true;
                }
            }

            if (due > 0 && due < nextDue)
            {
                nextDue = due;
            }
        }

        if (RedundantCopies > 0 && position > Reserved)
        {
            position = AppendCopies(position, controlBytes, now, window, una);
        }

        EmitRemaining(AppendControls(position, controlBytes));

        _counters.LostSegs += lost;
        _counters.FastRetransSegs += fast;
        _counters.EarlyRetransSegs += early;
        _counters.RetransSegs += lost + fast + early;

        if (_noCongestionWindow == 0)
        {
            AdjustCongestionAfterFlush(change, lost, resent, effectiveWindow);
        }

        return (uint)nextDue;
    }

    // RedundantCopies: a datagram carrying data anyway also carries copies of the newest unacknowledged segments in the
    // room its data and ACKs leave, each segment at most RedundantCopies times. A thin stream (a message every few
    // intervals) then gets a lost datagram's segments with its next datagram instead of a retransmission an RTO later,
    // and a loss burst cannot take original and copy together: they leave in different flushes. Bulk senders fill
    // their datagrams and copy nothing. ACK-only datagrams carry none: the peer would answer the copies with ACK
    // datagrams carrying its own, back and forth. A copy is stamped now, so its ACK acknowledges the segment but,
    // echoing neither of the slot's send times, gives no RTT sample (the original's ACK still does).
    private int AppendCopies(int position, int controlBytes, uint now, ushort window, uint una)
    {
        // A full last datagram (every bulk flush, usually) has no room for any copy: no scan.
        if (position + Overhead + 1 + controlBytes > Mtu)
        {
            return position;
        }

        uint limit = (uint)RedundantCopies;
        int end = Math.Max(_sendBuffer.Count - MaxCopyScan, 0);
        for (int i = _sendBuffer.Count - 1; i >= end; i--)
        {
            // After the flush's scan every slot has been sent at least once; those sent just now need no copy.
            var slot = _sendBuffer[i];
            if (slot.Acked || slot.Timestamp == now)
            {
                continue;
            }

            // Newest first: an older slot with its copies spent means every older one had its turn too.
            var segment = slot.Segment;
            if (slot.Copies >= limit || position + Overhead + segment.Length + controlBytes > Mtu)
            {
                break;
            }

            slot.Copies++;
            position = WritePush(position, segment, window, now, una);
            _counters.CopySegs++;
        }

        return position;
    }

    // Writes segment as a PUSH stamped now at position of the datagram under construction; returns the end of it.
    private int WritePush(int position, KcpSegment segment, ushort window, uint now, uint una)
    {
        KcpSegmentHeader.Write(
            _buffer.AsSpan(position), Conv, KcpCommand.Push, segment.Fragment, window, now,
            segment.SequenceNumber, una, (uint)segment.Length);
        segment.Data.CopyTo(_buffer.AsSpan(position + Overhead));
        return position + Overhead + segment.Length;
    }

    // kcp-wire.md §2.5 step 2: while the peer advertises a zero window, ask again after PROBE_INIT, then 1.5x longer.
    private void ScheduleWindowProbe(uint now)
    {
        if (_remoteWindow != 0)
        {
            _probeAt = 0;
            _probeWait = 0;
            return;
        }

        if (_probeWait == 0)
        {
            _probeWait = KcpConstants.ProbeInit;
            _probeAt = unchecked(now + _probeWait);
        }
        else if (KcpTime.Diff(now, _probeAt) >= 0)
        {
            _probeWait = Math.Max(_probeWait, KcpConstants.ProbeInit);
            _probeWait += _probeWait / 2;
            _probeWait = Math.Min(_probeWait, KcpConstants.ProbeLimit);
            _probeAt = unchecked(now + _probeWait);
            _probe |= KcpConstants.AskSend;
        }
    }

    // kcp-wire.md §2.6.3, end of flush: halve on fast/early retransmit, collapse to 1 on timeout.
    private void AdjustCongestionAfterFlush(long change, long lost, uint resent, uint effectiveWindow)
    {
        uint mss = (uint)Mss;
        unchecked
        {
            if (change > 0)
            {
                uint inflight = _sendNext - _sendUna;
                _ssthresh = Math.Max(inflight / 2, KcpConstants.ThreshMin);

                // With fast resend off, resent is uint.MaxValue and this wraps to ssthresh - 1: a kcp-go quirk kept for fidelity.
                _cwnd = _ssthresh + resent;
                _incr = _cwnd * mss;
            }

            if (lost > 0)
            {
                _ssthresh = Math.Max(effectiveWindow / 2, KcpConstants.ThreshMin);
                _cwnd = 1;
                _incr = mss;
            }

            if (_cwnd < 1)
            {
                _cwnd = 1;
                _incr = mss;
            }
        }
    }

    // Writes a control segment at `offset` of the control buffer, growing it (to the largest ACK list seen) if needed.
    private int WriteControl(int offset, byte command, ushort window, uint ts, uint sn, uint una)
    {
        if (offset + Overhead > _controls.Length)
        {
            Array.Resize(ref _controls, Math.Max(_controls.Length * 2, offset + Overhead));
        }

        KcpSegmentHeader.Write(_controls.AsSpan(offset), Conv, command, 0, window, ts, sn, una, 0);
        _counters.OutSegs++;
        return offset + Overhead;
    }

    // Copies the control segments after the data: into the room the last datagram leaves, then into new datagrams.
    private int AppendControls(int position, int controlBytes)
    {
        for (int offset = 0; offset < controlBytes;)
        {
            position = MakeSpace(position, Overhead);
            int room = (Mtu - position) / Overhead * Overhead;
            int bytes = Math.Min(Math.Max(room, Overhead), controlBytes - offset);
            _controls.AsSpan(offset, bytes).CopyTo(_buffer.AsSpan(position));
            position += bytes;
            offset += bytes;
        }

        return position;
    }

    // Emits the datagram under construction if the next `space` bytes would push it past Mtu.
    private int MakeSpace(int position, int space)
    {
        if (position + space > Mtu && position > Reserved)
        {
            _output.Output(_buffer.AsSpan(0, position));
            position = Reserved;
        }

        // A segment queued before SetMtu lowered the MTU may not fit even an empty datagram; grow rather than overrun.
        if (position + space > _buffer.Length)
        {
            Array.Resize(ref _buffer, position + space);
        }

        return position;
    }

    private void EmitRemaining(int position)
    {
        if (position > Reserved)
        {
            _output.Output(_buffer.AsSpan(0, position));
        }
    }
}
