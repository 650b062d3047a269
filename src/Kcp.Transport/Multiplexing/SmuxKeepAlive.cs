namespace Kcp.Transport.Multiplexing;

/// <summary>
/// smux's keep-alive: a NOP every interval, and the session is closed when a whole timeout passed with nothing
/// received, unless the reader is only waiting for receive budget (the peer cannot be blamed for our slow readers).
/// </summary>
internal sealed class SmuxKeepAlive(SmuxSession session, SmuxFrameReader reader, TimeProvider time) : IDisposable
{
    private ITimer? _ping;
    private ITimer? _timeout;

    public void Start(TimeSpan interval, TimeSpan timeout)
    {
        _ping = time.CreateTimer(static state => ((SmuxKeepAlive)state!).Ping(), this, interval, interval);
        _timeout = time.CreateTimer(static state => ((SmuxKeepAlive)state!).Check(), this, timeout, timeout);
    }

    public void Dispose()
    {
        _ping?.Dispose();
        _timeout?.Dispose();
    }

    private void Ping() => session.Writer.Enqueue(new SmuxControlFrame(SmuxCommand.Nop, 0));

    private void Check()
    {
        if (!reader.TakeDataArrived() && session.Budget.HasTokens)
        {
            session.OnKeepAliveTimeout();
        }
    }
}
