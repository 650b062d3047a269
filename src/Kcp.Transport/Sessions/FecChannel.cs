using Kcp.Transport.Fec;
using Kcp.Transport.Ingress;

namespace Kcp.Transport.Sessions;

/// <summary>
/// A session's FEC (kcp-go's fecEncoder and fecDecoder, kcp-wire.md §3): on the way out every datagram becomes a data
/// shard and each completed group adds its parity shards; on the way in the decoder rebuilds lost data shards. Without
/// FEC configured, datagrams pass through, and a peer's data shards are still read (their KCP part goes to the engine).
/// </summary>
internal sealed class FecChannel : IDisposable
{
    private readonly FecEncoder? _encoder;
    private readonly FecDecoder? _decoder;

    public FecChannel(int dataShards, int parityShards, int headerOffset)
    {
        if (dataShards > 0 && parityShards > 0)
        {
            _encoder = new FecEncoder(dataShards, parityShards, headerOffset);
            _decoder = new FecDecoder(dataShards, parityShards);
        }
    }

    /// <summary>The decoder's counts (groups that failed, groups given up short), zero without FEC.</summary>
    public FecDecoderCounters DecoderCounters => _decoder?.Counters ?? default;

    /// <summary>Sends <paramref name="datagram"/> through <paramref name="sender"/>, followed by the parity shards it completes.</summary>
    public void Send(Span<byte> datagram, DatagramSender sender)
    {
        if (_encoder is null)
        {
            sender.Transmit(datagram);
            return;
        }

        int parity = _encoder.Encode(datagram);
        sender.Transmit(datagram);
        for (int i = 0; i < parity; i++)
        {
            sender.Transmit(_encoder.GetParity(i));
        }
    }

    /// <summary>Gives an FEC packet's shard to the decoder, which calls <paramref name="sink"/> for every data shard it rebuilds.</summary>
    public void Decode<TSink>(in InboundPacket packet, uint nowMs, ref TSink sink)
        where TSink : IFecRecoveredSink
        => _decoder?.Decode(packet.Fec, packet.Payload, nowMs, ref sink);

    public void Dispose()
    {
        _encoder?.Dispose();
        _decoder?.Dispose();
    }
}
