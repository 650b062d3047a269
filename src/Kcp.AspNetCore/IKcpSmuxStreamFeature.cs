using Kcp.Transport;

namespace Kcp.AspNetCore;

/// <summary>
/// Present on connections that are smux streams (endpoints with <see cref="KcpOptions.Smux"/>): read it with
/// <c>connection.Features.Get&lt;IKcpSmuxStreamFeature&gt;()</c>. The connection's <see cref="IKcpSessionFeature"/>
/// describes the KCP session the stream shares with its siblings.
/// </summary>
public interface IKcpSmuxStreamFeature
{
    /// <summary>The smux stream id (odd when the client opened the stream).</summary>
    uint StreamId { get; }

    /// <summary>The smux session the stream belongs to.</summary>
    KcpSmuxSession Session { get; }
}
