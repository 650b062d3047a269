using Kcp.Transport;

namespace Kcp.AspNetCore;

/// <summary>
/// Unreliable, unordered datagrams beside a KCP connection's stream (kcp-go's out-of-band packets): what a game server's
/// <c>ConnectionHandler</c> sends positions and inputs with, while joins and chat go on the reliable stream. Read it with
/// <c>connection.Features.Get&lt;IKcpDatagramFeature&gt;()</c>, on accepted connections and on those
/// <see cref="KcpConnectionFactory"/> dials. smux stream connections do not have it: datagrams belong to the KCP
/// session, which all its streams share. The members are those of <see cref="KcpSession"/>, which documents them in full.
/// </summary>
public interface IKcpDatagramFeature
{
    /// <summary>The largest payload <see cref="TrySendDatagram"/> takes (<see cref="KcpSession.MaxDatagramSize"/>).</summary>
    int MaxDatagramSize { get; }

    /// <summary>
    /// Sends one datagram now, never waiting for the peer; false when it was not sent (the connection closed, or the
    /// peer's address is not validated yet and its amplification budget is used up). See <see cref="KcpSession.TrySendDatagram"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="datagram"/> is longer than <see cref="MaxDatagramSize"/>.</exception>
    bool TrySendDatagram(ReadOnlySpan<byte> datagram);

    /// <summary>
    /// Waits for the oldest received datagram, copies it into <paramref name="buffer"/> and returns its length; once the
    /// connection closed and the queue is empty, throws (<see cref="KcpSessionClosedException"/>, or the reason the
    /// connection was aborted with). See <see cref="KcpSession.ReceiveDatagramAsync"/>.
    /// </summary>
    ValueTask<int> ReceiveDatagramAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Copies the oldest received datagram into <paramref name="buffer"/> without waiting; false when none is queued.</summary>
    bool TryReceiveDatagram(Span<byte> buffer, out int length);
}
