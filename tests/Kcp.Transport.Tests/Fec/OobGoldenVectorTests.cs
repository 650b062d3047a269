using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Ingress;

namespace Kcp.Transport.Tests.Fec;

/// <summary>
/// kcp-go v5.6.72's out-of-band datagrams (<c>SendOOB</c>), captured off the wire (GoldenVectors/oob/README.md): our
/// ingress opens and classifies each to its conversation and payload, and our framing sealed with the captured nonce
/// reproduces the bytes, for aes-128-gcm, aes (CFB), salsa20 and no crypto, FEC 10/3, MTU 1400 and 1350.
/// </summary>
public sealed class OobGoldenVectorTests
{
    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Vectors.Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void Vectors_CoverGcmCfbAndTheLargestPayload()
    {
        Assert.Contains(Vectors, v => v.Crypt == "aes-128-gcm" && v.Payload.Length == v.MaxSize);
        Assert.Contains(Vectors, v => v.Crypt == "aes" && v.Payload.Length == v.MaxSize);
        Assert.Contains(Vectors, v => v.Payload.Length == 0);
        Assert.All(Vectors, v => Assert.True(v.Datagram.Length <= v.Mtu));
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public void Classify_UpstreamDatagram_IsOutOfBandWithItsConversationAndPayload(int index)
    {
        // Arrange
        Vector v = Vectors[index];
        using PacketProtection protection = CipherRegistry.Create(v.Crypt, KcpCrypt.DeriveKey(v.Key));
        byte[] datagram = (byte[])v.Datagram.Clone();

        // Act
        bool classified = DatagramClassifier.TryClassify(protection, datagram, out InboundPacket packet, out PacketDropReason reason);

        // Assert
        Assert.True(classified, reason.ToString());
        Assert.True(packet.IsOob);
        Assert.False(packet.IsFec);
        Assert.True(packet.Kcp.IsEmpty);
        Assert.True(packet.TryGetConversation(out uint conv));
        Assert.Equal(v.Conv, conv);
        Assert.Equal(v.Payload, OobPacket.Payload(packet.Payload).ToArray());
        Assert.Equal(OobPacket.SeqId, FecPacket.ReadSeqId(packet.Payload));
        Assert.Equal(v.Payload.Length + 6, BitConverter.ToUInt16(packet.Payload.Slice(FecPacket.HeaderSize, 2)));
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public void SealWithNonce_OurFraming_ReproducesUpstreamBytes(int index)
    {
        // Arrange: the nonce is random in kcp-go; take it from the capture (CFB encrypts it, so open a copy first).
        Vector v = Vectors[index];
        using PacketProtection protection = CipherRegistry.Create(v.Crypt, KcpCrypt.DeriveKey(v.Key));
        byte[] opened = (byte[])v.Datagram.Clone();
        Assert.Equal(OpenResult.Opened, protection.Open(opened));
        byte[] ours = new byte[v.Datagram.Length];

        // Act
        int framed = OobPacket.Write(ours.AsSpan(protection.HeaderSize), v.Conv, v.Payload);
        protection.SealWithNonce(ours, opened.AsSpan(0, NonceSize(protection)));

        // Assert
        Assert.Equal(v.Datagram.Length, protection.HeaderSize + framed + protection.TrailerSize);
        Assert.Equal(Convert.ToHexStringLower(v.Datagram), Convert.ToHexStringLower(ours));
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public async Task MaxDatagramSize_SameSettings_EqualsUpstreamGetOobMaxSize(int index)
    {
        Vector v = Vectors[index];
        var options = new KcpOptions { Crypt = v.Crypt, Key = v.Key, DataShards = v.DataShards, ParityShards = v.ParityShards, Mtu = v.Mtu };
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), options);
        await using KcpSession session = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);

        Assert.Equal(v.MaxSize, session.MaxDatagramSize);
    }

    /// <summary>aes-128-gcm's 12-byte nonce is its whole header; kcp-go's framing has a 16-byte nonce and a 4-byte CRC.</summary>
    internal static int NonceSize(PacketProtection protection)
        => protection is FramedPacketCipher ? NonceGenerator.NonceSize : protection.HeaderSize;

    internal sealed record Vector(string Crypt, string Key, int DataShards, int ParityShards, int Mtu, uint Conv, int MaxSize, byte[] Payload, byte[] Datagram);

    internal static readonly Vector[] Vectors = Load();

    private static Vector[] Load([CallerFilePath] string thisFile = "")
    {
        string path = Path.Combine(Path.GetDirectoryName(thisFile)!, "GoldenVectors", "oob", "oob-vectors.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.GetProperty("vectors").EnumerateArray().Select(e => new Vector(
            e.GetProperty("crypt").GetString()!,
            e.GetProperty("key").GetString()!,
            e.GetProperty("dataShards").GetInt32(),
            e.GetProperty("parityShards").GetInt32(),
            e.GetProperty("mtu").GetInt32(),
            e.GetProperty("conv").GetUInt32(),
            e.GetProperty("maxSize").GetInt32(),
            Convert.FromHexString(e.GetProperty("payload").GetString()!),
            Convert.FromHexString(e.GetProperty("datagram").GetString()!)))];
    }
}
