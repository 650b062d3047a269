namespace Kcp.Transport.Ingress;

/// <summary>
/// A listener's sessions whose peer has not proven its address yet, in the order they were admitted, so that under
/// pressure the least-proven of the oldest can make room (<see cref="Admission"/>). Bounded by
/// <see cref="KcpSecurityOptions.MaxUnvalidatedSessions"/>; one small object per session, nothing per datagram. Not
/// thread-safe: the ingress calls it under its lock.
/// </summary>
internal sealed class UnvalidatedPool
{
    private readonly Dictionary<IPacketHandler, Member> _members = [];
    private Member? _oldest;
    private Member? _newest;

    public int Count => _members.Count;

    /// <summary>The member admitted first (walk on with <see cref="Member.Next"/>).</summary>
    public Member? Oldest => _oldest;

    public void Add(IPacketHandler handler, Admission.PrefixKey prefix, bool retried, long nowMs)
    {
        var member = new Member(handler, prefix, retried, nowMs) { Previous = _newest };
        if (_newest is null)
        {
            _oldest = member;
        }
        else
        {
            _newest.Next = member;
        }

        _newest = member;
        _members.Add(handler, member);
    }

    /// <summary>Takes <paramref name="handler"/> out; false when it was not a member (validated or evicted before).</summary>
    public bool Remove(IPacketHandler handler, out Admission.PrefixKey prefix)
    {
        if (!_members.Remove(handler, out Member? member))
        {
            prefix = default;
            return false;
        }

        if (member.Previous is null)
        {
            _oldest = member.Next;
        }
        else
        {
            member.Previous.Next = member.Next;
        }

        if (member.Next is null)
        {
            _newest = member.Previous;
        }
        else
        {
            member.Next.Previous = member.Previous;
        }

        prefix = member.Prefix;
        return true;
    }

    /// <summary>One unvalidated session: where it comes from, when and how it was admitted.</summary>
    internal sealed class Member(IPacketHandler handler, Admission.PrefixKey prefix, bool retried, long admittedMs)
    {
        public IPacketHandler Handler { get; } = handler;

        public Admission.PrefixKey Prefix { get; } = prefix;

        /// <summary>Admitted on a retransmission after a refusal: it has shown that it retries as a real client does.</summary>
        public bool Retried { get; } = retried;

        public long AdmittedMs { get; } = admittedMs;

        public Member? Previous { get; set; }

        public Member? Next { get; set; }
    }
}
