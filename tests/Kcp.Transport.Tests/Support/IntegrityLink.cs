namespace Kcp.Transport.Tests.Support;

/// <summary>The fault relay's link for an integrity case (see <see cref="IntegritySettings.Faults"/>).</summary>
public enum IntegrityLink
{
    /// <summary>The case's loss, 1–5 ms delay (jitter reorders) and 1 % duplicates.</summary>
    Lossy,

    /// <summary>No loss; 2–42 ms delay, so datagrams overtake each other by up to 40 ms.</summary>
    Reordering,

    /// <summary>No loss; one datagram in four arrives twice.</summary>
    Duplicating,
}
