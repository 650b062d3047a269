using System.IO.Pipelines;
using System.Text;
using Kcp.Transport.Multiplexing;
using Kcp.Transport.Tests.Multiplexing.GoldenVectors;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Multiplexing;

/// <summary>
/// Compares against SmuxVectors.g.cs, written by our Go program (GoldenVectors/gen/main.go) with the real xtaci/smux
/// and golang/snappy: the frame codec, whole session transcripts (our session fed the Go peer's bytes must write the
/// bytes the Go session wrote) and the snappy framing.
/// </summary>
public sealed class SmuxGoldenVectorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FrameCodec_ReadsAndWritesEveryFrameGoWrote(int version)
    {
        var (_, clientHex, serverHex) = SmuxGoVectors.Transcripts.Single(t => t.Version == version);
        foreach (string hex in new[] { clientHex, serverHex })
        {
            byte[] wire = Convert.FromHexString(hex);
            var rebuilt = new List<byte>();
            for (int offset = 0; offset < wire.Length;)
            {
                SmuxFrameHeader header = SmuxFrameHeader.Read(wire.AsSpan(offset));
                Assert.Equal(version, header.Version);
                var bytes = new byte[SmuxFrameHeader.Size];
                header.Write(bytes);
                rebuilt.AddRange(bytes);
                if (header.Command == SmuxCommand.Upd)
                {
                    (uint consumed, uint window) = SmuxFrameHeader.ReadUpdate(wire.AsSpan(offset + SmuxFrameHeader.Size));
                    var update = new byte[SmuxFrameHeader.UpdateSize];
                    SmuxFrameHeader.WriteUpdate(update, consumed, window);
                    rebuilt.AddRange(update);
                    Assert.Equal(65536u, window);
                }
                else
                {
                    rebuilt.AddRange(wire.AsSpan(offset + SmuxFrameHeader.Size, header.Length).ToArray());
                }

                offset += SmuxFrameHeader.Size + header.Length;
            }

            Assert.Equal(hex, Convert.ToHexStringLower(rebuilt.ToArray()));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ClientSession_WritesTheBytesOfXtaciSmux(int version)
    {
        var (_, clientHex, serverHex) = SmuxGoVectors.Transcripts.Single(t => t.Version == version);
        var toPeer = new Pipe();
        var fromPeer = new Pipe();
        var options = new KcpSmuxOptions { Version = version, Compression = KcpSmuxCompression.None, MaxStreamBuffer = 65536 };
        await using KcpSmuxSession session = KcpSmuxSession.Start(new Duplex(fromPeer.Reader, toPeer.Writer), options, isClient: true);

        KcpSmuxStream stream = session.OpenStream();
        await stream.Output.WriteAsync("hello smux"u8.ToArray());

        // The peer answers only what reached it (its UPD acknowledges our 10 bytes).
        byte[] expected = Convert.FromHexString(clientHex);
        int synAndPush = 2 * SmuxFrameHeader.Size + 10;
        byte[] first = await ReadExactlyAsync(toPeer.Reader, synAndPush);
        await fromPeer.Writer.WriteAsync(Convert.FromHexString(serverHex));
        Assert.Equal("ok", Encoding.ASCII.GetString(await PipeTransfer.ReadExactlyAsync(stream.Input, 2).DefaultTimeout()));
        await stream.Output.CompleteAsync();

        byte[] rest = await ReadExactlyAsync(toPeer.Reader, expected.Length - synAndPush);
        Assert.Equal(clientHex, Convert.ToHexStringLower([.. first, .. rest]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ServerSession_AnswersXtaciSmuxWithItsOwnBytes(int version)
    {
        var (_, clientHex, serverHex) = SmuxGoVectors.Transcripts.Single(t => t.Version == version);
        var toPeer = new Pipe();
        var fromPeer = new Pipe();
        var options = new KcpSmuxOptions { Version = version, Compression = KcpSmuxCompression.None, MaxStreamBuffer = 65536 };
        await using KcpSmuxSession session = KcpSmuxSession.Start(new Duplex(fromPeer.Reader, toPeer.Writer), options, isClient: false);

        byte[] client = Convert.FromHexString(clientHex);
        int synAndPush = 2 * SmuxFrameHeader.Size + 10;
        await fromPeer.Writer.WriteAsync(client.AsMemory(0, synAndPush));
        KcpSmuxStream stream = (await session.AcceptStreamAsync().DefaultTimeout())!;
        Assert.Equal("hello smux", Encoding.ASCII.GetString(await PipeTransfer.ReadExactlyAsync(stream.Input, 10).DefaultTimeout()));
        await Task.Delay(50);
        await stream.Output.WriteAsync("ok"u8.ToArray());
        byte[] expected = Convert.FromHexString(serverHex);
        Assert.Equal(serverHex, Convert.ToHexStringLower(await ReadExactlyAsync(toPeer.Reader, expected.Length)));

        // The rest (v2: the client's UPD; then its FIN) completes our stream's input.
        await fromPeer.Writer.WriteAsync(client.AsMemory(synAndPush));
        Assert.Empty(await PipeTransfer.ReadToEndAsync(stream.Input).DefaultTimeout());
    }

    [Fact]
    public async Task SnappyDecoder_ReadsWhatGolangSnappyWrote()
    {
        foreach (var (name, _, framedHex) in SmuxGoVectors.Snappy)
        {
            var transport = new Pipe();
            var decoded = new Pipe();
            var decoder = new SnappyDecoder(transport.Reader, decoded.Writer);
            Task run = decoder.RunAsync();
            await transport.Writer.WriteAsync(Convert.FromHexString(framedHex));
            await transport.Writer.CompleteAsync();
            byte[] output = await PipeTransfer.ReadToEndAsync(decoded.Reader).DefaultTimeout();
            await run.DefaultTimeout();
            Assert.True(Input(name).AsSpan().SequenceEqual(output), name);
        }
    }

    [Fact]
    public async Task SnappyEncoder_WritesWhatGolangSnappyReads_ByteForByteWhereNothingIsCompressed()
    {
        foreach (var (name, _, framedHex) in SmuxGoVectors.Snappy)
        {
            var source = new Pipe();
            var transport = new Pipe();
            Task run = new SnappyEncoder(source.Reader, transport.Writer).RunAsync();
            await source.Writer.WriteAsync(Input(name));
            await source.Writer.CompleteAsync();
            byte[] framed = await PipeTransfer.ReadToEndAsync(transport.Reader).DefaultTimeout();
            await run.DefaultTimeout();

            // Compressed bytes depend on the encoder's match search (Snappier's differs from golang/snappy's); framing,
            // checksums and the stored-block decision do not.
            if (name != "text-100k")
            {
                Assert.Equal(framedHex, Convert.ToHexStringLower(framed));
            }

            var back = new Pipe();
            var decoded = new Pipe();
            Task decode = new SnappyDecoder(back.Reader, decoded.Writer).RunAsync();
            await back.Writer.WriteAsync(framed);
            await back.Writer.CompleteAsync();
            byte[] roundTrip = await PipeTransfer.ReadToEndAsync(decoded.Reader).DefaultTimeout();
            Assert.True(Input(name).AsSpan().SequenceEqual(roundTrip), name);
            await decode.DefaultTimeout();
        }
    }

    [Fact]
    public void Crc32C_IsCastagnoli_AndMaskedAsTheFramingFormatSays()
    {
        Assert.Equal(0xe3069283u, SnappyFraming.Crc32C("123456789"u8));
        Assert.Equal(0x5110d01bu, SnappyFraming.MaskedCrc("hello smux"u8)); // the checksum in golang/snappy's "short" chunk
    }

    /// <summary>The vectors' inputs; the large ones are rebuilt exactly as the Go program built them.</summary>
    private static byte[] Input(string name)
    {
        var (_, inputHex, _) = SmuxGoVectors.Snappy.Single(v => v.Name == name);
        if (inputHex.Length > 0)
        {
            return Convert.FromHexString(inputHex);
        }

        if (name == "text-100k")
        {
            return Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("GET /index.html HTTP/1.1\r\nHost: kcp\r\n\r\n", 2600)));
        }

        var random = new byte[70000];
        uint x = 2463534242;
        for (int i = 0; i < random.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            random[i] = (byte)x;
        }

        return random;
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader reader, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await PipeTransfer.ReadExactlyAsync(reader, count).WaitAsync(cts.Token);
        }
        catch (TimeoutException)
        {
            reader.TryRead(out ReadResult partial);
            throw new TimeoutException("Got only " + Convert.ToHexStringLower(System.Buffers.BuffersExtensions.ToArray(partial.Buffer)));
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
