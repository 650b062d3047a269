namespace Kcp.AspNetCore.Internal;

/// <summary>The session's datagrams as <see cref="IKcpDatagramFeature"/>.</summary>
internal sealed partial class KcpConnectionContext : IKcpDatagramFeature
{
    int IKcpDatagramFeature.MaxDatagramSize => _session.MaxDatagramSize;

    bool IKcpDatagramFeature.TrySendDatagram(ReadOnlySpan<byte> datagram) => _session.TrySendDatagram(datagram);

    ValueTask<int> IKcpDatagramFeature.ReceiveDatagramAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        => _session.ReceiveDatagramAsync(buffer, cancellationToken);

    bool IKcpDatagramFeature.TryReceiveDatagram(Span<byte> buffer, out int length) => _session.TryReceiveDatagram(buffer, out length);
}
