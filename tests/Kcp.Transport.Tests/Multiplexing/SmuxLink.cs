using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Multiplexing;

/// <summary>Two smux sessions over an in-memory duplex link (two pipes), with their own meter so counters can be read.</summary>
internal sealed class SmuxLink : IAsyncDisposable
{
    private readonly TestMeterFactory _meters = new();

    public SmuxLink(KcpSmuxOptions clientOptions, KcpSmuxOptions? serverOptions = null, MemoryPool<byte>? pool = null)
    {
        ToServer = new Pipe(new PipeOptions(pool, minimumSegmentSize: 16 * 1024));
        ToClient = new Pipe(new PipeOptions(pool, minimumSegmentSize: 16 * 1024));
        ClientTransport = new DuplexPipe(ToClient.Reader, ToServer.Writer);
        ServerTransport = new DuplexPipe(ToServer.Reader, ToClient.Writer);
        Client = KcpSmuxSession.Start(ClientTransport, clientOptions, isClient: true, "server", meterFactory: _meters, memoryPool: pool);
        Server = KcpSmuxSession.Start(ServerTransport, serverOptions ?? clientOptions, isClient: false, "client", meterFactory: _meters, memoryPool: pool);
    }

    public Pipe ToServer { get; }

    public Pipe ToClient { get; }

    public IDuplexPipe ClientTransport { get; }

    public IDuplexPipe ServerTransport { get; }

    public KcpSmuxSession Client { get; }

    public KcpSmuxSession Server { get; }

    public SmuxCounters Counters => KcpInstruments.For(_meters).Smux;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().AsTask().DefaultTimeout();
        await Server.DisposeAsync().AsTask().DefaultTimeout();
        _meters.Dispose();
    }

    public static async Task WriteAllAsync(PipeWriter output, byte[] data, int chunk = 8192)
    {
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            FlushResult result = await output.WriteAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset)));
            if (result.IsCompleted)
            {
                throw new IOException("The stream's output was closed.");
            }
        }
    }

    /// <summary>Reads until the input completes; returns the bytes.</summary>
    public static async Task<byte[]> ReadToEndAsync(PipeReader input)
    {
        var all = new MemoryStream();
        while (true)
        {
            ReadResult result = await input.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                all.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return all.ToArray();
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public static async Task<byte[]> ReadExactlyAsync(PipeReader input, int count)
    {
        var all = new MemoryStream();
        while (all.Length < count)
        {
            ReadResult result = await input.ReadAsync();
            long take = Math.Min(result.Buffer.Length, count - all.Length);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer.Slice(0, take))
            {
                all.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.GetPosition(take));
            if (result.IsCompleted && all.Length < count)
            {
                throw new EndOfStreamException($"Stream ended after {all.Length} of {count} bytes.");
            }
        }

        return all.ToArray();
    }

    public static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data));

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
