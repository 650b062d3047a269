namespace Kcp.Transport.Ingress;

/// <summary>What a handler tells whoever routes to it. Called once each, never under the handler's lock.</summary>
internal interface IPacketHandlerOwner
{
    /// <summary>A passive session's peer proved its address (echoed one of our segments).</summary>
    void OnValidated(IPacketHandler handler);

    /// <summary>The handler closed for <paramref name="reason"/>: forget its address (unless another handler owns it by now).</summary>
    void OnClosed(IPacketHandler handler, KcpCloseReason reason);
}
