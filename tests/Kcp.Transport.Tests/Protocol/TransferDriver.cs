using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

/// <summary>
/// Application logic on top of a <see cref="SimulatedLink"/>: A writes a payload (as a stream or as messages of
/// pseudo-random sizes), B reads and checks every byte and, in message mode, every boundary.
/// </summary>
internal sealed class TransferDriver
{
    private readonly SimulatedLink _link;
    private readonly byte[] _payload;
    private readonly int[] _messageSizes;
    private readonly byte[] _readBuffer = new byte[1 << 20];
    private int _sentMessages;
    private int _sentBytes;
    private int _receivedMessages;
    private int _receivedBytes;

    public TransferDriver(SimulatedLink link, int totalBytes, bool messageMode, int maxMessage, int seed)
    {
        _link = link;
        var random = new Random(seed);
        _payload = new byte[totalBytes];
        random.NextBytes(_payload);

        // In stream mode the "messages" are just write sizes; only message mode must preserve them on the reader.
        var sizes = new List<int>();
        for (int left = totalBytes; left > 0;)
        {
            int size = Math.Min(left, 1 + random.Next(maxMessage));
            sizes.Add(size);
            left -= size;
        }

        _messageSizes = [.. sizes];
        MessageMode = messageMode;
        link.A.StreamMode = !messageMode;
        link.B.StreamMode = !messageMode;
    }

    public bool MessageMode { get; }

    /// <summary>While false the reader leaves B's receive queue alone (to close the window).</summary>
    public bool ReaderEnabled { get; set; } = true;

    public bool Completed => _receivedBytes == _payload.Length;

    public int ReceivedBytes => _receivedBytes;

    /// <summary>Runs until every byte arrived, or fails after <paramref name="maxMs"/> virtual ms (a hang guard).</summary>
    public void RunToCompletion(long maxMs)
    {
        while (!Completed)
        {
            Step();
            if (_link.ElapsedMs > maxMs)
            {
                throw new TimeoutException(
                    $"Transfer incomplete after {maxMs} virtual ms: {_receivedBytes}/{_payload.Length} bytes.");
            }
        }
    }

    /// <summary>One virtual ms: write what the window allows, tick, read what arrived.</summary>
    public void Step()
    {
        Write();
        _link.Tick();
        Read();
    }

    private void Write()
    {
        var a = _link.A;
        bool wrote = false;
        while (_sentMessages < _messageSizes.Length && a.WaitSnd < 2 * a.SendWindow)
        {
            int size = _messageSizes[_sentMessages];
            int rc = a.Send(_payload.AsSpan(_sentBytes, size));
            if (rc != 0)
            {
                throw new InvalidOperationException($"Send failed with {rc}");
            }

            _sentBytes += size;
            _sentMessages++;
            wrote = true;
        }

        // kcp-go flushes after every Write so new data does not wait for the timer.
        if (wrote)
        {
            a.Flush(_link.Now, ackOnly: false);
        }
    }

    private void Read()
    {
        if (!ReaderEnabled)
        {
            return;
        }

        while (true)
        {
            int n = _link.B.Receive(_readBuffer);
            // Plain checks instead of Assert.Equal: xunit's comparer allocates, and allocation tests run through here.
            if (n < 0)
            {
                if (n != -1)
                {
                    Assert.Fail($"Receive returned {n}.");
                }

                return;
            }

            if (MessageMode && n != _messageSizes[_receivedMessages])
            {
                Assert.Fail($"Message {_receivedMessages} arrived with {n} bytes, sent {_messageSizes[_receivedMessages]}.");
            }

            if (!_readBuffer.AsSpan(0, n).SequenceEqual(_payload.AsSpan(_receivedBytes, n)))
            {
                Assert.Fail($"Data mismatch at offset {_receivedBytes}.");
            }

            _receivedBytes += n;
            _receivedMessages++;
        }
    }
}
