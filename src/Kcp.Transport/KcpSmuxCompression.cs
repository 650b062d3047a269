namespace Kcp.Transport;

/// <summary>What wraps the KCP byte stream under smux (kcptun's <c>-nocomp</c> switch).</summary>
public enum KcpSmuxCompression
{
    /// <summary>The snappy framing format (stream identifier, then chunks with masked CRC-32C): kcptun's default.</summary>
    Snappy,

    /// <summary>No compression: smux frames go straight into the KCP stream (kcptun <c>-nocomp</c>).</summary>
    None,
}
