namespace Kcp.Transport.Io;

/// <summary>
/// The send batches of one runtime: a session rents one for each stretch of work under its lock. There are as many
/// batches as threads ever sent at once, and each is reused, so neither datagrams nor short-lived pool threads allocate.
/// </summary>
internal sealed class SendBatchPool
{
    private readonly Stack<SendBatch> _idle = new();

    /// <summary>An empty batch.</summary>
    public SendBatch Rent()
    {
        lock (_idle)
        {
            if (_idle.TryPop(out SendBatch? batch))
            {
                return batch;
            }
        }

        return new SendBatch();
    }

    /// <summary>Gives back a batch that was flushed.</summary>
    public void Return(SendBatch batch)
    {
        lock (_idle)
        {
            _idle.Push(batch);
        }
    }
}
