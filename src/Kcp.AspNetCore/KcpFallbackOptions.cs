namespace Kcp.AspNetCore;

/// <summary>
/// How a client races KCP against its TCP fallback, as happy eyeballs races IPv6 against IPv4 and browsers race QUIC
/// against TCP: KCP goes first, the fallback (SignalR's HTTP transports, or a TCP connection for <c>HttpClient</c>)
/// starts once KCP has had <see cref="HeadStart"/> without an answer, and KCP still wins if it answers before the
/// fallback has connected, or shortly after (for as long as the fallback took to connect, at most the head start: a
/// lost first datagram is answered about one round trip later). A fallback that won is remembered per KCP endpoint for
/// <see cref="RememberFallbackFor"/>: new connections go straight to it, then KCP is raced again, so that connections
/// return to KCP once UDP gets through again. README, "When UDP is blocked".
/// </summary>
public sealed class KcpFallbackOptions
{
    /// <summary>The default <see cref="HeadStart"/>: 250 ms (happy eyeballs waits 250 ms for IPv6, RFC 8305).</summary>
    public static TimeSpan DefaultHeadStart { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The default <see cref="RememberFallbackFor"/>: 5 minutes.</summary>
    public static TimeSpan DefaultRememberFallbackFor { get; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long KCP may go unanswered before the fallback is tried (0 to 10 s, default 250 ms). KCP "answers" when a
    /// valid datagram of the session comes back (the acknowledgement of the first bytes, or the server's reply). Set
    /// it above the round-trip time of the slowest path that should still use KCP.
    /// </summary>
    public TimeSpan HeadStart { get; set; } = DefaultHeadStart;

    /// <summary>
    /// How long a fallback that won is used for new connections to the same KCP endpoint without racing (0 to 1 day,
    /// default 5 minutes; 0 races every connection). When it expires the next connection races again, KCP first.
    /// </summary>
    public TimeSpan RememberFallbackFor { get; set; } = DefaultRememberFallbackFor;

    /// <summary>The clock of the head start, the grace period and the memory of fallbacks; null for <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Called once per connection when its transport is decided, with what <see cref="IKcpTransportSelectionFeature"/>
    /// reports (for clients such as <c>HubConnection</c> and <c>HttpClient</c>, which do not expose their
    /// connections' features). It runs on the thread that decided; keep it short and do not throw.
    /// </summary>
    public Action<IKcpTransportSelectionFeature>? OnTransportSelected { get; set; }

    /// <summary>Every problem with these settings, each naming the setting; empty when they are valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (HeadStart < TimeSpan.Zero || HeadStart > TimeSpan.FromSeconds(10))
        {
            errors.Add($"KcpFallbackOptions.HeadStart must be between 0 and 10 seconds (was {HeadStart}).");
        }

        if (RememberFallbackFor < TimeSpan.Zero || RememberFallbackFor > TimeSpan.FromDays(1))
        {
            errors.Add($"KcpFallbackOptions.RememberFallbackFor must be between 0 and 1 day (was {RememberFallbackFor}).");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        IReadOnlyList<string> errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    /// <summary>A copy, so that later changes by the caller do not reach connections already configured.</summary>
    internal KcpFallbackOptions Clone() => new()
    {
        HeadStart = HeadStart,
        RememberFallbackFor = RememberFallbackFor,
        TimeProvider = TimeProvider,
        OnTransportSelected = OnTransportSelected,
    };
}
