namespace Kcp.Transport.Fec;

/// <summary>Receives the KCP parts the FEC decoder rebuilt from parity.</summary>
internal interface IFecRecoveredSink
{
    /// <summary>
    /// One recovered KCP part, to be given to KCP as a non-regular (FEC) input. The span is only valid during the call.
    /// </summary>
    void OnRecovered(ReadOnlySpan<byte> kcpPart);
}
