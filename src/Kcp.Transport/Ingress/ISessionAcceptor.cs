
namespace Kcp.Transport.Ingress;

/// <summary>What a <see cref="ListenerIngress"/> needs from its listener to open sessions for new addresses.</summary>
internal interface ISessionAcceptor
{
    /// <summary>False once the listener stopped accepting: datagrams from new addresses are refused.</summary>
    bool IsAccepting { get; }

    /// <summary>Sessions created and not accepted yet.</summary>
    int Pending { get; }

    /// <summary>Creates the session for a new conversation from <paramref name="address"/> (an owned copy). Called under the ingress lock: must not call back.</summary>
    IPacketHandler Create(uint conv, SocketAddress address);

    /// <summary>Offers a started session, which has had its first datagram, to the application; false when the backlog is full.</summary>
    bool TryEnqueue(IPacketHandler session);
}
