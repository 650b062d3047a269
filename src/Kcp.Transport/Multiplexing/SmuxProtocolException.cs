using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Multiplexing;

/// <summary>Ends an smux session (or its snappy layer) because of what the peer sent; carries the exact reason.</summary>
internal sealed class SmuxProtocolException(SmuxProtocolError error, string message) : IOException(message)
{
    public SmuxProtocolError Error { get; } = error;
}
