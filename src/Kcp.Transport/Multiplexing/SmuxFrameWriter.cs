using System.Collections.Concurrent;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The one loop that writes a session's frames into the transport. Control frames (NOP, UPD, the FIN of a refused
/// stream) go first; streams with data take turns, one frame each, so a bulk transfer cannot starve a small request.
/// It flushes the transport every <see cref="FlushThreshold"/> bytes and when it runs out of work, and its flush waits
/// on the transport's backpressure (the KCP session's write buffer), which then holds the streams' pipes back.
/// </summary>
internal sealed class SmuxFrameWriter(SmuxSession session, PipeWriter transport)
{
    /// <summary>Bytes written between two flushes while there is more to write.</summary>
    public const int FlushThreshold = 64 * 1024;

    private readonly ConcurrentQueue<SmuxControlFrame> _control = new();
    private readonly ConcurrentQueue<SmuxStream> _ready = new();
    private readonly AsyncSignal _signal = new();
    private volatile bool _stopping;

    /// <summary>Queues a control frame.</summary>
    public void Enqueue(SmuxControlFrame frame)
    {
        _control.Enqueue(frame);
        _signal.Set();
    }

    /// <summary>Queues a stream that has something to send (called once per queueing, see <see cref="SmuxStream.MarkReady"/>).</summary>
    public void Ready(SmuxStream stream)
    {
        _ready.Enqueue(stream);
        _signal.Set();
    }

    /// <summary>Ends the loop: it stops after its current flush, which is cancelled.</summary>
    public void Stop()
    {
        _stopping = true;
        _signal.Set();
        transport.CancelPendingFlush();
    }

    public async Task RunAsync()
    {
        try
        {
            while (!_stopping)
            {
                long written = WriteAvailable();
                if (written > 0)
                {
                    FlushResult flush = await transport.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        session.OnTransportEnded(null);
                        break;
                    }

                    continue;
                }

                if (_control.IsEmpty && _ready.IsEmpty)
                {
                    await _signal.WaitAsync().ConfigureAwait(false);
                }
            }
        }
        catch (SmuxProtocolException e)
        {
            session.OnProtocolError(e);
        }
        catch (Exception e) when (!_stopping)
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

    // Writes until the queues are empty or a flush is due; returns the bytes written.
    private long WriteAvailable()
    {
        long written = 0;
        byte version = session.Version;
        SmuxCounters counters = session.Counters;
        while (written < FlushThreshold && !_stopping)
        {
            bool worked = false;
            while (_control.TryDequeue(out SmuxControlFrame frame))
            {
                int size = frame.WireSize;
                frame.Write(version, transport.GetSpan(size));
                transport.Advance(size);
                counters.FrameSent((byte)frame.Command);
                written += size;
                worked = true;
            }

            if (_ready.TryDequeue(out SmuxStream? stream))
            {
                stream.ClearQueued();
                written += stream.WriteFrames(transport, out bool more);
                if (more)
                {
                    stream.MarkReady();
                }

                worked = true;
            }

            if (!worked)
            {
                break;
            }
        }

        return written;
    }
}
