namespace Kcp.Transport.Io;

/// <summary>
/// Sealing left to do on datagrams queued in a <see cref="SendBatch"/>, done when the batch leaves: after the session
/// lock is released (the receive loop no longer waits for the encryption) and on all of a session's datagrams at once
/// (independent datagrams can be encrypted side by side).
/// </summary>
internal interface IDeferredSeal
{
    /// <summary>Finishes datagrams in place: datagram k is <c>region[(k * stride)..][..lengths[k]]</c>.</summary>
    void Finish(Span<byte> region, int stride, ReadOnlySpan<int> lengths);
}
