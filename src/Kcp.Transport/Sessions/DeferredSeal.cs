using Kcp.Transport.Crypto;
using Kcp.Transport.Io;

namespace Kcp.Transport.Sessions;

/// <summary>The stateless half of a session's sealing (checksum, encryption), handed to its send batch to run when it leaves.</summary>
internal sealed class DeferredSeal(PacketProtection protection) : IDeferredSeal
{
    /// <inheritdoc/>
    public void Finish(Span<byte> region, int stride, ReadOnlySpan<int> lengths) => protection.FinishSeals(region, stride, lengths);
}
