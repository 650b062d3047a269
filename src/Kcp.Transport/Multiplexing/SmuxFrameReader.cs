using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The one loop that reads a session's frames from the transport. PSH payloads go to their stream as they arrive, in
/// pieces if the frame is still arriving, so no frame is buffered whole. Between frames it waits while the session's
/// receive budget is exhausted (smux's token bucket), which stops reading the KCP session and so closes its window.
/// The first frame is checked closely: a version byte that is not ours names the likely cause (the other smux version,
/// or snappy framing where none is configured).
/// </summary>
internal sealed class SmuxFrameReader(SmuxSession session, PipeReader transport)
{
    private static ReadOnlySpan<byte> SnappyIdentifierStart => [0xff, 0x06, 0x00, 0x00, (byte)'s', (byte)'N', (byte)'a', (byte)'P'];

    private SmuxStream? _target;
    private int _remaining;
    private bool _first = true;
    private int _dataArrived;

    /// <summary>Reads and clears the "something arrived" mark (the keep-alive timeout checks it).</summary>
    public bool TakeDataArrived() => Interlocked.Exchange(ref _dataArrived, 0) != 0;

    public async Task RunAsync()
    {
        try
        {
            while (!session.IsClosing)
            {
                while (!session.Budget.HasTokens && !session.IsClosing)
                {
                    await session.Budget.WaitAsync().ConfigureAwait(false);
                }

                ReadResult result = await transport.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled || session.IsClosing)
                {
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    Volatile.Write(ref _dataArrived, 1);
                }

                SequencePosition consumed = Parse(buffer, out bool needMore);

                // Stopped for the budget with whole frames left: the next read must see them again at once.
                transport.AdvanceTo(consumed, needMore ? buffer.End : consumed);
                if (result.IsCompleted && needMore)
                {
                    session.OnTransportEnded(null);
                    break;
                }
            }
        }
        catch (SmuxProtocolException e)
        {
            session.OnProtocolError(e);
        }
        catch (Exception e) when (!session.IsClosing)
        {
            session.OnTransportEnded(e);
        }
        catch (Exception)
        {
            // Closing: the transport's failure is no news.
        }
        finally
        {
            await transport.CompleteAsync().ConfigureAwait(false);
        }
    }

    private SequencePosition Parse(in ReadOnlySequence<byte> buffer, out bool needMore)
    {
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> header = stackalloc byte[SmuxFrameHeader.Size + SmuxFrameHeader.UpdateSize];
        byte version = session.Version;
        while (true)
        {
            if (_remaining > 0)
            {
                if (reader.End)
                {
                    needMore = true;
                    return reader.Position;
                }

                int count = (int)Math.Min(_remaining, reader.Remaining);
                ReadOnlySequence<byte> payload = buffer.Slice(reader.Position, count);
                _target?.Deliver(payload);

                reader.Advance(count);
                _remaining -= count;
                if (_remaining == 0)
                {
                    _target = null;
                }

                continue;
            }

            if (!session.Budget.HasTokens || session.IsClosing)
            {
                needMore = false;
                return reader.Position;
            }

            if (!reader.TryCopyTo(header[..SmuxFrameHeader.Size]))
            {
                needMore = true;
                return reader.Position;
            }

            SmuxFrameHeader frame = SmuxFrameHeader.Read(header);
            if (frame.Version != version)
            {
                throw VersionError(header[..SmuxFrameHeader.Size], version);
            }

            if ((byte)frame.Command > SmuxFrameHeader.MaxCommand)
            {
                throw new SmuxProtocolException(SmuxProtocolError.UnknownCommand, $"unknown smux command {(byte)frame.Command} on stream {frame.StreamId}.");
            }

            if (frame.Command == SmuxCommand.Upd)
            {
                if (frame.Length != SmuxFrameHeader.UpdateSize)
                {
                    throw new SmuxProtocolException(SmuxProtocolError.MalformedFrame, $"UPD frame on stream {frame.StreamId} with {frame.Length} bytes of payload, not {SmuxFrameHeader.UpdateSize}.");
                }

                if (!reader.TryCopyTo(header))
                {
                    needMore = true;
                    return reader.Position;
                }
            }
            else if (frame.Command != SmuxCommand.Psh && frame.Length != 0)
            {
                // smux would read the payload as the next header; refuse instead of losing the framing.
                throw new SmuxProtocolException(SmuxProtocolError.MalformedFrame, $"{frame.Command} frame on stream {frame.StreamId} with {frame.Length} bytes of payload.");
            }

            _first = false;
            session.Counters.FrameReceived((byte)frame.Command);
            reader.Advance(SmuxFrameHeader.Size);
            switch (frame.Command)
            {
                case SmuxCommand.Syn:
                    session.OnSyn(frame.StreamId);
                    break;
                case SmuxCommand.Fin:
                    session.FindStream(frame.StreamId)?.OnRemoteFin();
                    break;
                case SmuxCommand.Psh:
                    _remaining = frame.Length;
                    _target = _remaining > 0 ? session.FindStream(frame.StreamId) : null;
                    break;
                case SmuxCommand.Upd:
                    (uint consumed, uint window) = SmuxFrameHeader.ReadUpdate(header[SmuxFrameHeader.Size..]);
                    reader.Advance(SmuxFrameHeader.UpdateSize);
                    session.FindStream(frame.StreamId)?.OnUpdate(consumed, window);
                    break;
            }
        }
    }

    private SmuxProtocolException VersionError(ReadOnlySpan<byte> header, byte expected)
    {
        byte actual = header[0];
        string frame = Convert.ToHexString(header);
        if (_first && header.SequenceEqual(SnappyIdentifierStart))
        {
            return new SmuxProtocolException(
                SmuxProtocolError.SnappyUnexpected,
                "the peer's stream starts with the snappy stream identifier: it compresses (kcptun without -nocomp) but " +
                "KcpOptions.Smux.Compression is None; set it to Snappy, or run the peer with -nocomp.");
        }

        if (actual is 1 or 2)
        {
            return new SmuxProtocolException(
                SmuxProtocolError.VersionMismatch,
                $"frame version {actual} (header {frame}) but KcpOptions.Smux.Version is {expected}: the peer runs smux v{actual} " +
                $"(kcptun -smuxver {actual}); both ends must use the same version.");
        }

        return new SmuxProtocolException(
            SmuxProtocolError.VersionMismatch,
            $"byte 0x{actual:x2} where smux version {expected} was expected (header {frame}){(_first ? ": the peer does not speak smux" : ": the stream lost its framing")}.");
    }
}
