namespace Kcp.Transport.Io;

/// <summary>
/// The datagrams one receive system call returned, handed over on one loop's thread. Receivers defer work that is
/// cheaper once per turn to its end: a session that got data flushes its input pipe once, so the application wakes once
/// per batch instead of once per datagram (a 4 KB echo woke its reader 2.6 times, a 64 KB one 17 times). Each loop
/// owns one turn object and reuses it, so a turn allocates nothing.
/// </summary>
internal sealed class ReceiveTurn
{
    private readonly List<IDeferredReceiveWork> _deferred = [];

    /// <summary>Datagrams handed over in this turn so far.</summary>
    public int Datagrams { get; set; }

    /// <summary>Runs <paramref name="work"/> at the end of this turn; each receiver defers itself at most once per turn.</summary>
    public void Defer(IDeferredReceiveWork work) => _deferred.Add(work);

    /// <summary>
    /// Ends the turn: runs what was deferred, in order, every item even if one throws (a receiver that deferred itself
    /// must run, or it would wait for a flush that never comes); the first exception is rethrown afterwards.
    /// </summary>
    public void End()
    {
        Exception? first = null;
        for (int i = 0; i < _deferred.Count; i++)
        {
            try
            {
                _deferred[i].RunDeferred();
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }

        _deferred.Clear();
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }
}
