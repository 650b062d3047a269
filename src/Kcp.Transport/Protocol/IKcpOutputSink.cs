namespace Kcp.Transport.Protocol;

/// <summary>Receives the datagrams a <see cref="KcpControlBlock"/> produces.</summary>
internal interface IKcpOutputSink
{
    /// <summary>
    /// Called synchronously from <see cref="KcpControlBlock.Flush(uint, bool)"/> or <see cref="KcpControlBlock.Input"/> with one
    /// datagram. Bytes [0, <see cref="KcpControlBlock.Reserved"/>) are head-room for the caller (FEC/crypto headers);
    /// the KCP segments follow. The span is only valid during the call, and the sink must not call back into the
    /// control block.
    /// </summary>
    void Output(Span<byte> datagram);
}
