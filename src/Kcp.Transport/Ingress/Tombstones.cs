namespace Kcp.Transport.Ingress;

/// <summary>
/// Recently closed (address, conversation) pairs of a listener: their late datagrams are dropped (and answered with a
/// reset) instead of reopening a zombie session, for <see cref="KcpSecurityOptions.TombstoneLifetime"/>, at most
/// <see cref="KcpSecurityOptions.MaxTombstones"/> of them (the oldest forgotten first). Not thread-safe: the ingress
/// calls it under its lock.
/// </summary>
internal sealed class Tombstones(KcpSecurityOptions options)
{
    private readonly Dictionary<Key, long> _expiries = [];
    private readonly Queue<(Key Key, long Expiry)> _order = new();
    private readonly long _lifetimeMs = (long)options.TombstoneLifetime.TotalMilliseconds;

    public int Count => _expiries.Count;

    /// <summary>True if (address, conv) closed within the tombstone lifetime.</summary>
    public bool Contains(SocketAddress address, uint conv, long nowMs)
        => _expiries.TryGetValue(new Key(address, conv), out long expiry) && expiry > nowMs;

    public void Add(SocketAddress address, uint conv, long nowMs)
    {
        if (_lifetimeMs <= 0 || options.MaxTombstones == 0)
        {
            return;
        }

        while (_order.Count > 0 && (_order.Count >= options.MaxTombstones || _order.Peek().Expiry <= nowMs))
        {
            (Key old, long expiry) = _order.Dequeue();
            if (_expiries.TryGetValue(old, out long current) && current == expiry)
            {
                _expiries.Remove(old);
            }
        }

        var key = new Key(address, conv);
        long until = nowMs + _lifetimeMs;
        _expiries[key] = until;
        _order.Enqueue((key, until));
    }

    private readonly record struct Key(SocketAddress Address, uint Conv);
}
