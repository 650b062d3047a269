using System.IO.Pipelines;

namespace Kcp.Interop.Tests.Harness;

public sealed class PipeTransferTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(100_003L)]
    public async Task ReceiveAndVerifyAsync_AfterSendAsync_ReturnsSameSha256(long length)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8192, resumeWriterThreshold: 4096));
        using var cts = new CancellationTokenSource(Bound);

        Task<string> send = PipeTransfer.SendAsync(pipe.Writer, length, cts.Token);
        string received = await PipeTransfer.ReceiveAndVerifyAsync(pipe.Reader, length, cts.Token);

        Assert.Equal(TestStream.Sha256Hex(length), await send);
        Assert.Equal(TestStream.Sha256Hex(length), received);
    }

    [Fact]
    public async Task ReceiveAndVerifyAsync_CorruptByte_ThrowsNamingOffset()
    {
        var pipe = new Pipe();
        byte[] data = TestStream.Create(1000);
        data[777] ^= 0x01;
        await pipe.Writer.WriteAsync(data);
        await pipe.Writer.CompleteAsync();
        using var cts = new CancellationTokenSource(Bound);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => PipeTransfer.ReceiveAndVerifyAsync(pipe.Reader, 1000, cts.Token));

        Assert.Contains("777", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiveAndVerifyAsync_StreamEndsEarly_ThrowsEndOfStream()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(TestStream.Create(10));
        await pipe.Writer.CompleteAsync();
        using var cts = new CancellationTokenSource(Bound);

        await Assert.ThrowsAsync<EndOfStreamException>(() => PipeTransfer.ReceiveAndVerifyAsync(pipe.Reader, 11, cts.Token));
    }

    [Fact]
    public async Task ReceiveAndVerifyAsync_WithEcho_WritesEveryByteBack()
    {
        var input = new Pipe();
        var output = new Pipe();
        byte[] data = TestStream.Create(50_000);
        await input.Writer.WriteAsync(data);
        using var cts = new CancellationTokenSource(Bound);

        await PipeTransfer.ReceiveAndVerifyAsync(input.Reader, data.Length, cts.Token, echo: output.Writer);
        await output.Writer.CompleteAsync();

        Assert.Equal(TestStream.Sha256Hex(data.Length), await PipeTransfer.ReceiveAndVerifyAsync(output.Reader, data.Length, cts.Token));
    }
}
