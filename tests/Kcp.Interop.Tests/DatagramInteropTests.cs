using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Kcp.Interop.Tests.Harness;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace Kcp.Interop.Tests;

/// <summary>
/// Our out-of-band datagrams against kcp-go 5.6.1 (tests/GoPeer), which predates them (v5.6.60): it reads one as a raw
/// KCP part whose conv is the OOB seqid 0xFFFFFFFF. A dialed 5.6.1 session rejects it (conv mismatch); a 5.6.1 listener
/// drops it, unless its "sn" (payload bytes 0..3) is 0, which 5.6.1 takes for a restarted client and replaces the
/// session. So datagrams beside a 5.6.1 stream are harmless as long as no payload starts with four zero bytes; the
/// upstream interop (v5.6.72, OOB both ways) is in the golden vectors (Kcp.Transport.Tests, Fec/GoldenVectors/oob).
/// </summary>
public sealed class DatagramInteropTests
{
    private const long Bytes = 1 << 20;
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(3);

    public static TheoryData<string, int, int> Settings() => new()
    {
        { "aes", 10, 3 },
        { "null", 0, 0 },
        { "salsa20", 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task CSharpDialSendingDatagrams_Go561Listen_StreamIsUnaffected(string crypt, int dataShards, int parityShards)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        await using GoPeer listener = await GoPeer.ListenAsync([.. Flags(crypt, dataShards, parityShards), "--mode", "echo", "--bytes", Text(Bytes), "--timeout", "180"]);
        string expected = TestStream.Sha256Hex(Bytes);
        KcpSession session = await KcpClient.ConnectAsync(listener.ListenEndPoint!, Options(crypt, dataShards, parityShards), loggerFactory: null, cts.Token);
        await using (session)
        {
            // Act: the stream both ways, a datagram every millisecond beside it once kcp-go knows the session (a
            // datagram before it would open a session of conv 0xFFFFFFFF there, see below).
            using var stopDatagrams = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            Task<string> send = PipeTransfer.SendAsync(session.Output, Bytes, cts.Token, chunkSize: 4096, pace: TimeSpan.FromMilliseconds(1));
            await WaitUntilAsync(() => session.GetStatistics().Counters.BytesReceived > 0, cts.Token);
            Assert.True(session.TrySendDatagram(NonZeroPayload(0)));
            Task<int> datagrams = SendDatagramsAsync(session, stopDatagrams.Token);
            string echoed = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, Bytes, cts.Token);
            await send;
            await stopDatagrams.CancelAsync();
            int sent = await datagrams;
            JsonElement remote = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);

            // Assert: the one session kcp-go saw is ours, intact.
            Assert.Equal(expected, echoed);
            Assert.Equal(session.Conversation, remote.GetProperty("conv").GetUInt32());
            Assert.True(remote.GetProperty("ok").GetBoolean(), listener.Describe());
            Assert.Equal(expected, remote.GetProperty("sha256").GetString());
            Assert.True(sent > 50, $"{sent} datagrams sent");
            Assert.Equal(sent + 1, session.GetStatistics().Counters.OobDatagramsSent);
            Assert.Equal(0, session.GetStatistics().Counters.OobDatagramsReceived);
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task Go561Dial_CSharpListenSendingDatagrams_StreamIsUnaffected(string crypt, int dataShards, int parityShards)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(crypt, dataShards, parityShards));
        string expected = TestStream.Sha256Hex(Bytes);
        await using GoPeer dialer = GoPeer.Start(
            ["dial", listener.LocalEndPoint.ToString(), .. Flags(crypt, dataShards, parityShards), "--mode", "echo", "--bytes", Text(Bytes), "--timeout", "180"]);
        KcpSession session = (await listener.AcceptAsync(cts.Token))!;
        await using (session)
        {
            // Act: kcp-go's dialed session gets a datagram every millisecond while we echo its stream; zero-leading
            // payloads too, which a dialed session rejects by their conv alone.
            using var stopDatagrams = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            Task<int> datagrams = Task.Run(async () =>
            {
                // Until kcp-go acknowledged one of our segments, the amplification budget holds our datagrams back.
                await WaitUntilAsync(() => session.Core.IsAddressValidated, stopDatagrams.Token);
                return (session.TrySendDatagram(new byte[32]) ? 1 : 0) + await SendDatagramsAsync(session, stopDatagrams.Token, burst: 200);
            });
            string received = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, Bytes, cts.Token, echo: session.Output);
            JsonElement result = await dialer.WaitForJsonAsync(e => GoPeer.Event(e) is null, GoPeer.DefaultWait);
            await stopDatagrams.CancelAsync();
            int sent = await datagrams;

            // Assert
            Assert.Equal(expected, received);
            Assert.True(result.GetProperty("ok").GetBoolean(), dialer.Describe());
            Assert.Equal(expected, result.GetProperty("sha256").GetString());
            Assert.True(sent > 200, $"{sent} datagrams sent");
        }
    }

    [Fact]
    public async Task CSharpDialSendingZeroLeadingDatagram_Go561Listen_ReplacesTheSession()
    {
        // Arrange: the hazard README "Unreliable datagrams" warns of, shown so it stays true: 5.6.1 reads the OOB seqid
        // as conv 0xFFFFFFFF and payload bytes 0..3 as sn; sn 0 from a known address means "restarted client".
        using var cts = new CancellationTokenSource(RunBound);
        await using GoPeer listener = await GoPeer.ListenAsync(["--crypt", "null", "--mode", "sink", "--timeout", "60", "--idle-end", "1"]);
        KcpSession session = await KcpClient.ConnectAsync(listener.ListenEndPoint!, Options("null", 0, 0), loggerFactory: null, cts.Token);
        await using (session)
        {
            await session.Output.WriteAsync(new byte[100], cts.Token);
            await WaitUntilAcknowledgedAsync(session, cts.Token);

            // Act
            Assert.True(session.TrySendDatagram(new byte[16]));
            JsonElement replaced = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);
            JsonElement opened = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session" && e.GetProperty("conv").GetUInt32() == uint.MaxValue, GoPeer.DefaultWait);

            // Assert: our conversation ended on kcp-go's side at 100 bytes, and a session of conv 0xFFFFFFFF was opened.
            Assert.Equal(session.Conversation, replaced.GetProperty("conv").GetUInt32());
            Assert.Equal(100, replaced.GetProperty("bytes").GetInt64());
            Assert.Equal(0, opened.GetProperty("bytes").GetInt64());
        }
    }

    [Fact]
    public async Task CSharpDialSendingDatagramFirst_Go561Listen_OpensASessionOfConvFFFFFFFF()
    {
        // Arrange: a datagram from an address kcp-go 5.6.1 does not know yet opens a session whose conv is the seqid;
        // our stream's first PUSH (sn 0) then replaces it by kcp-go's own rule.
        using var cts = new CancellationTokenSource(RunBound);
        await using GoPeer listener = await GoPeer.ListenAsync(["--crypt", "null", "--mode", "sink", "--timeout", "60", "--idle-end", "1"]);
        KcpSession session = await KcpClient.ConnectAsync(listener.ListenEndPoint!, Options("null", 0, 0), loggerFactory: null, cts.Token);
        await using (session)
        {
            // Act
            Assert.True(session.TrySendDatagram(NonZeroPayload(1)));
            await Task.Delay(200, cts.Token);
            await session.Output.WriteAsync(new byte[100], cts.Token);
            JsonElement junk = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session" && e.GetProperty("conv").GetUInt32() == uint.MaxValue, GoPeer.DefaultWait);
            JsonElement ours = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session" && e.GetProperty("conv").GetUInt32() == session.Conversation, GoPeer.DefaultWait);

            // Assert
            Assert.Equal(0, junk.GetProperty("bytes").GetInt64());
            Assert.Equal(100, ours.GetProperty("bytes").GetInt64());
        }
    }

    /// <summary>A datagram of 64 bytes whose first four are not zero (see the class remarks).</summary>
    private static byte[] NonZeroPayload(int index)
    {
        byte[] payload = new byte[64];
        payload.AsSpan().Fill((byte)(index + 1));
        BinaryPrimitives.WriteInt32LittleEndian(payload, index | 0x4000_0000);
        return payload;
    }

    /// <summary>Sends <paramref name="burst"/> datagrams at once, then one a millisecond until cancelled.</summary>
    private static async Task<int> SendDatagramsAsync(KcpSession session, CancellationToken cancellationToken, int burst = 0)
    {
        int sent = 0;
        try
        {
            for (int i = 1; !cancellationToken.IsCancellationRequested; i++)
            {
                sent += session.TrySendDatagram(NonZeroPayload(i)) ? 1 : 0;
                if (i > burst)
                {
                    await Task.Delay(1, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return sent;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    private static async Task WaitUntilAcknowledgedAsync(KcpSession session, CancellationToken cancellationToken)
    {
        while (session.GetStatistics().InFlight > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    private static KcpOptions Options(string crypt, int dataShards, int parityShards) => new()
    {
        Crypt = crypt,
        Key = "it's a secrect", // kcptun's default --key, which kcp-go-peer also uses
        DataShards = dataShards,
        ParityShards = parityShards,
    };

    private static string[] Flags(string crypt, int dataShards, int parityShards) =>
        ["--crypt", crypt, "--datashard", Text(dataShards), "--parityshard", Text(parityShards)];

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);
}
