namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The session-wide receive buffer (smux's token bucket, kcptun <c>-smuxbuf</c>): bytes delivered to streams and not
/// yet read by their applications (with version 2, only what a stream holds beyond its window). The frame reader stops reading the transport while the budget is exhausted, which
/// closes the KCP window; reads give tokens back and wake it.
/// </summary>
internal sealed class ReceiveBudget(int capacity)
{
    private readonly AsyncSignal _available = new();
    private long _tokens = capacity;

    /// <summary>True when the reader may read more frames.</summary>
    public bool HasTokens => Volatile.Read(ref _tokens) > 0;

    /// <summary>Bytes buffered in streams now (capacity minus tokens).</summary>
    public long Buffered => capacity - Volatile.Read(ref _tokens);

    /// <summary>Takes <paramref name="count"/> tokens for bytes delivered to a stream (may go below zero, as smux's bucket does).</summary>
    public void Take(long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _tokens, -count);
        }
    }

    /// <summary>Returns tokens for bytes read (or dropped with their stream) and wakes the reader when there are some again.</summary>
    public void Return(long count)
    {
        if (count > 0 && Interlocked.Add(ref _tokens, count) > 0)
        {
            _available.Set();
        }
    }

    /// <summary>Completes when tokens are available (at once if they are) or <see cref="Wake"/> was called.</summary>
    public ValueTask WaitAsync() => HasTokens ? ValueTask.CompletedTask : _available.WaitAsync();

    /// <summary>Wakes a waiting reader (the session is closing).</summary>
    public void Wake() => _available.Set();
}
