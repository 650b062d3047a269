using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Kcp.Transport.Tests.Support;

/// <summary>Writes and reads known byte patterns through pipes for transfer tests.</summary>
internal static class PipeTransfer
{
    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static async Task WriteAllAsync(PipeWriter output, ReadOnlyMemory<byte> data, int chunk = 8192, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            int n = Math.Min(chunk, data.Length);
            FlushResult result = await output.WriteAsync(data[..n], cancellationToken);
            if (result.IsCompleted)
            {
                throw new IOException("The pipe's reader completed while writing.");
            }

            data = data[n..];
        }
    }

    public static async Task<byte[]> ReadExactlyAsync(PipeReader input, int length, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[length];
        int received = 0;
        while (received < length)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> slice = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, length - received));
            slice.CopyTo(buffer.AsSpan(received));
            received += (int)slice.Length;
            input.AdvanceTo(slice.End);
            if (result.IsCompleted && received < length)
            {
                throw new IOException($"The input ended after {received} of {length} bytes.");
            }
        }

        return buffer;
    }

    /// <summary>Reads until the input ends without error and returns everything it held.</summary>
    public static async Task<byte[]> ReadToEndAsync(PipeReader input, CancellationToken cancellationToken = default)
    {
        var received = new MemoryStream();
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return received.ToArray();
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="payload"/> repeatedly until <paramref name="total"/> bytes went out while reading (and
    /// discarding) what comes back: an echo through an allocation-free loop, for the steady-state allocation tests.
    /// </summary>
    public static async Task EchoAsync(IDuplexPipe pipe, byte[] payload, long total)
    {
        Task writer = Task.Run(async () =>
        {
            for (long sent = 0; sent < total; sent += payload.Length)
            {
                await pipe.Output.WriteAsync(payload);
            }
        });

        long received = 0;
        while (received < total)
        {
            ReadResult result = await pipe.Input.ReadAsync();
            received += result.Buffer.Length;
            pipe.Input.AdvanceTo(result.Buffer.End);
        }

        await writer;
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
