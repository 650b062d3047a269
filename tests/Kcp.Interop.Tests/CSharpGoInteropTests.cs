using System.Globalization;
using System.Net;
using System.Text.Json;
using Kcp.Interop.Tests.Harness;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace Kcp.Interop.Tests;

/// <summary>
/// Our C# sessions against kcp-go 5.6.1 (tests/GoPeer) in both directions: C# dials a Go listener and a Go dialer
/// reaches a C# listener, in echo, sink and source modes, 1 MiB and 16 MiB, kcptun's default (fast) and fast3
/// presets, stream mode on and off; plus every kcptun cipher with and without FEC 10/3 (echo, 1 MiB). Every payload is
/// the deterministic test stream, checked byte by byte and by SHA-256 on both ends.
/// </summary>
public sealed class CSharpGoInteropTests
{
    private const long OneMiB = 1 << 20;
    private const long SixteenMiB = 16 << 20;

    // Bounds only to turn a hang into a failure; a 16 MiB run takes seconds on loopback.
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(4);
    private const string PeerTimeout = "240";

    public static TheoryData<string, long, KcpPreset, bool> Matrix()
    {
        var data = new TheoryData<string, long, KcpPreset, bool>();
        foreach (string mode in new[] { "echo", "sink", "source" })
        {
            foreach (long size in new[] { OneMiB, SixteenMiB })
            {
                foreach (KcpPreset preset in new[] { KcpPreset.Fast, KcpPreset.Fast3 })
                {
                    foreach (bool streamMode in new[] { true, false })
                    {
                        data.Add(mode, size, preset, streamMode);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task CSharpDial_GoListen_TransfersTheStream(string mode, long bytes, KcpPreset preset, bool streamMode)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        await using GoPeer listener = await GoPeer.ListenAsync([.. GoFlags(preset, streamMode), "--mode", mode, "--bytes", Bytes(bytes), "--timeout", PeerTimeout]);
        string expected = TestStream.Sha256Hex(bytes);

        // Act
        KcpSession session = await KcpClient.ConnectAsync(listener.ListenEndPoint!, Options(preset, streamMode), loggerFactory: null, cts.Token);
        await using (session)
        {
            string local;
            switch (mode)
            {
                case "echo":
                    Task<string> send = PipeTransfer.SendAsync(session.Output, bytes, cts.Token);
                    local = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, bytes, cts.Token);
                    Assert.Equal(expected, await send);
                    break;
                case "sink":
                    local = await PipeTransfer.SendAsync(session.Output, bytes, cts.Token);
                    await session.CloseAsync(cts.Token); // waits until kcp-go acknowledged everything
                    break;
                default:
                    // kcp-go's listener only creates a session when a first packet arrives: send one ignored byte.
                    await session.Output.WriteAsync(new byte[] { 0 }, cts.Token);
                    local = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, bytes, cts.Token);
                    break;
            }

            JsonElement remote = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);

            // Assert
            Assert.Equal(expected, local);
            Assert.True(remote.GetProperty("ok").GetBoolean(), listener.Describe());
            Assert.Equal(bytes, remote.GetProperty("bytes").GetInt64());
            Assert.Equal(expected, remote.GetProperty("sha256").GetString());
            Assert.Equal(session.Conversation, remote.GetProperty("conv").GetUInt32());
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task GoDial_CSharpListen_TransfersTheStream(string mode, long bytes, KcpPreset preset, bool streamMode)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(preset, streamMode));
        string expected = TestStream.Sha256Hex(bytes);

        // Act
        await using GoPeer dialer = GoPeer.Start(
            ["dial", listener.LocalEndPoint.ToString(), .. GoFlags(preset, streamMode), "--mode", mode, "--bytes", Bytes(bytes), "--timeout", PeerTimeout]);
        KcpSession session = await AcceptAsync(listener, dialer, cts.Token);
        await using (session)
        {
            string local = mode switch
            {
                "echo" => await PipeTransfer.ReceiveAndVerifyAsync(session.Input, bytes, cts.Token, echo: session.Output),
                "sink" => await PipeTransfer.ReceiveAndVerifyAsync(session.Input, bytes, cts.Token),
                _ => await PipeTransfer.SendAsync(session.Output, bytes, cts.Token), // the dialer's first byte is ignored
            };

            // The session stays open until the Go side reports: it is still acknowledging the sink's last segments.
            JsonElement result = await dialer.WaitForJsonAsync(e => GoPeer.Event(e) is null, GoPeer.DefaultWait);
            int exit = await dialer.WaitForExitAsync(GoPeer.DefaultWait);

            // Assert
            Assert.Equal(expected, local);
            Assert.True(result.GetProperty("ok").GetBoolean(), dialer.Describe());
            Assert.Equal(0, exit);
            Assert.Equal(bytes, result.GetProperty("bytes").GetInt64());
            Assert.Equal(expected, result.GetProperty("sha256").GetString());
        }
    }

    public static TheoryData<string, int, int> CipherAndFec()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string crypt in new[] { "aes", "aes-128", "aes-192", "salsa20", "blowfish", "twofish", "cast5", "3des", "tea", "xtea", "xor", "sm4", "none", "null" })
        {
            data.Add(crypt, 0, 0);
            data.Add(crypt, 10, 3);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CipherAndFec))]
    public async Task CSharpDial_GoListenWithCipherAndFec_EchoesTheStream(string crypt, int dataShards, int parityShards)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        await using GoPeer listener = await GoPeer.ListenAsync([.. CryptFlags(crypt, dataShards, parityShards), "--mode", "echo", "--bytes", Bytes(OneMiB), "--timeout", PeerTimeout]);
        string expected = TestStream.Sha256Hex(OneMiB);

        // Act
        KcpSession session = await KcpClient.ConnectAsync(listener.ListenEndPoint!, CryptOptions(crypt, dataShards, parityShards), loggerFactory: null, cts.Token);
        await using (session)
        {
            Task<string> send = PipeTransfer.SendAsync(session.Output, OneMiB, cts.Token);
            string echoed = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, OneMiB, cts.Token);
            await send;
            JsonElement remote = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);

            // Assert
            Assert.Equal(expected, echoed);
            Assert.True(remote.GetProperty("ok").GetBoolean(), listener.Describe());
            Assert.Equal(expected, remote.GetProperty("sha256").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(CipherAndFec))]
    public async Task GoDial_CSharpListenWithCipherAndFec_EchoesTheStream(string crypt, int dataShards, int parityShards)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), CryptOptions(crypt, dataShards, parityShards));
        string expected = TestStream.Sha256Hex(OneMiB);

        // Act
        await using GoPeer dialer = GoPeer.Start(
            ["dial", listener.LocalEndPoint.ToString(), .. CryptFlags(crypt, dataShards, parityShards), "--mode", "echo", "--bytes", Bytes(OneMiB), "--timeout", PeerTimeout]);
        KcpSession session = await AcceptAsync(listener, dialer, cts.Token);
        await using (session)
        {
            string received = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, OneMiB, cts.Token, echo: session.Output);
            JsonElement result = await dialer.WaitForJsonAsync(e => GoPeer.Event(e) is null, GoPeer.DefaultWait);

            // Assert
            Assert.Equal(expected, received);
            Assert.True(result.GetProperty("ok").GetBoolean(), dialer.Describe());
            Assert.Equal(expected, result.GetProperty("sha256").GetString());
        }
    }

    [Fact]
    public async Task CSharpDialWithRedundantCopies_GoEchoThroughLoss_SmallPacedWritesArriveIntact()
    {
        // Arrange: small writes, each its own datagram, so that later datagrams have room for copies; kcp-go takes the
        // copies it does not need as duplicates, through FEC and a cipher, both ways of a lossy link.
        using var cts = new CancellationTokenSource(RunBound);
        const long Bytes64K = 64 * 1024;
        await using GoPeer listener = await GoPeer.ListenAsync(
            ["--mode-preset", "fast3", .. CryptFlags("aes", 10, 3), "--mode", "echo", "--bytes", Bytes(Bytes64K), "--timeout", PeerTimeout]);
        await using var relay = new UdpFaultRelay(listener.ListenEndPoint!, new RelayFaults { Loss = 0.05, DelayMs = 20 }, seed: 23);
        KcpOptions options = CryptOptions("aes", 10, 3).ApplyPreset(KcpPreset.Fast3);
        options.RedundantCopies = 2;
        string expected = TestStream.Sha256Hex(Bytes64K);

        // Act
        KcpSession session = await KcpClient.ConnectAsync(relay.EndPoint, options, loggerFactory: null, cts.Token);
        await using (session)
        {
            Task<string> send = PipeTransfer.SendAsync(session.Output, Bytes64K, cts.Token, chunkSize: 128, pace: TimeSpan.FromMilliseconds(5));
            string echoed = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, Bytes64K, cts.Token);
            await send;
            JsonElement remote = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);

            // Assert
            Assert.Equal(expected, echoed);
            Assert.True(remote.GetProperty("ok").GetBoolean(), listener.Describe());
            Assert.Equal(expected, remote.GetProperty("sha256").GetString());
            Assert.True(session.GetStatistics().Counters.CopiedSegments > 0, "copies were sent");
            Assert.True(relay.Dropped > 0, "the relay dropped datagrams");
        }
    }

    private static KcpOptions CryptOptions(string crypt, int dataShards, int parityShards) => new()
    {
        Crypt = crypt,
        Key = "it's a secrect", // kcptun's default --key, which kcp-go-peer also uses
        DataShards = dataShards,
        ParityShards = parityShards,
    };

    private static string[] CryptFlags(string crypt, int dataShards, int parityShards) =>
    [
        "--crypt", crypt, "--datashard", Bytes(dataShards), "--parityshard", Bytes(parityShards),
    ];

    private static async Task<KcpSession> AcceptAsync(KcpListener listener, GoPeer dialer, CancellationToken cancellationToken)
    {
        using var accept = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        accept.CancelAfter(GoPeer.DefaultWait);
        try
        {
            return await listener.AcceptAsync(accept.Token)
                ?? throw new InvalidOperationException($"The listener stopped accepting. {dialer.Describe()}");
        }
        catch (OperationCanceledException) when (accept.IsCancellationRequested)
        {
            throw new TimeoutException($"No session from kcp-go within {GoPeer.DefaultWait}. {dialer.Describe()}");
        }
    }

    private static KcpOptions Options(KcpPreset preset, bool streamMode)
        => new KcpOptions { StreamMode = streamMode }.ApplyPreset(preset);

    private static string[] GoFlags(KcpPreset preset, bool streamMode) =>
    [
        "--mode-preset", preset.ToString().ToLowerInvariant(),
        "--streammode", streamMode ? "true" : "false",
    ];

    private static string Bytes(long n) => n.ToString(CultureInfo.InvariantCulture);
}
