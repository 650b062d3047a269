using Kcp.Transport;
using Kcp.Transport.Crypto;
using Kcp.Transport.Fec;
using Kcp.Transport.Ingress;
using Kcp.Transport.Protocol;

namespace Kcp.Fuzz;

/// <summary>
/// Feeds one untrusted datagram to every decoder a receive loop runs before a session sees it, and to a session's
/// engine and FEC decoder: the ingress's classifier, the CFB+CRC opener, the FEC decoder and KCP input. Any exception is a
/// finding; the fuzzers and the CI smoke test call this with arbitrary bytes.
/// </summary>
internal static class FuzzTargets
{
    private static readonly PacketProtection s_plain = CipherRegistry.Create("null", KcpCrypt.DeriveKey("fuzz"));
    private static readonly PacketProtection s_cipher = CipherRegistry.Create("aes-128", KcpCrypt.DeriveKey("fuzz"));

    public static void Datagram(ReadOnlySpan<byte> input)
    {
        if (input.Length > 1500)
        {
            input = input[..1500];
        }

        // What the ingress reads to route a datagram (no protection layer, so the bytes are the packet).
        Span<byte> routed = stackalloc byte[input.Length];
        input.CopyTo(routed);
        if (DatagramClassifier.TryClassify(s_plain, routed, out InboundPacket packet, out _))
        {
            packet.TryGetConversation(out _);
            KcpPacketValidator.TryValidate(packet.Kcp, out _);
            KcpPacketValidator.ScanPushes(packet.Kcp, 128, out _, out _, out _, out _);
        }

        // Decryption and checksum on a copy (Open works in place).
        Span<byte> copy = stackalloc byte[input.Length];
        input.CopyTo(copy);
        s_cipher.Open(copy);

        // A session: KCP input of the raw bytes, then as FEC shards, then a flush to exercise what input changed.
        using var engine = new KcpControlBlock(conv: input.Length >= 4 ? BitConverter.ToUInt32(input) : 0, new NullSink());
        engine.SetWindowSize(32, 32);
        engine.Send("seed"u8);
        engine.Flush(0, ackOnly: false);
        engine.Input(input, regular: true, ackNoDelay: true, now: 10);
        using var decoder = new FecDecoder(3, 2);
        var sink = new EngineSink(engine);
        if (input.Length >= 6 && FecHeader.TryRead(input, out _))
        {
            decoder.Decode(input, 20, ref sink);
        }

        engine.Flush(30, ackOnly: false);
        Span<byte> read = stackalloc byte[256];
        while (engine.PeekSize() is > 0 and <= 256)
        {
            engine.Receive(read);
        }
    }

    private sealed class NullSink : IKcpOutputSink
    {
        public void Output(Span<byte> datagram)
        {
        }
    }

    private readonly struct EngineSink(KcpControlBlock engine) : IFecRecoveredSink
    {
        public void OnRecovered(ReadOnlySpan<byte> kcpPart) => engine.Input(kcpPart, regular: false, ackNoDelay: false, now: 20);
    }
}
