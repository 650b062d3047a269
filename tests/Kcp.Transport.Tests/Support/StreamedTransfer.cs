using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Kcp.Transport.Tests.Support;

/// <summary>
/// Sends a large deterministic byte stream through a pipe and hashes what arrives, without holding either in memory:
/// tens of megabytes per transfer stay cheap for the test process.
/// </summary>
internal static class StreamedTransfer
{
    private const int Chunk = 64 * 1024;

    /// <summary>Writes <paramref name="length"/> bytes of the stream for <paramref name="seed"/>; returns their SHA-256.</summary>
    public static async Task<string> WriteAsync(PipeWriter output, long length, int seed, CancellationToken cancellationToken = default)
    {
        var random = new Random(seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[Chunk];
        for (long sent = 0; sent < length;)
        {
            int n = (int)Math.Min(Chunk, length - sent);
            random.NextBytes(chunk.AsSpan(0, n));
            hash.AppendData(chunk, 0, n);
            FlushResult result = await output.WriteAsync(chunk.AsMemory(0, n), cancellationToken);
            if (result.IsCompleted)
            {
                throw new IOException($"The pipe's reader completed after {sent} of {length} bytes.");
            }

            sent += n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes; returns their SHA-256.</summary>
    public static async Task<string> ReadAsync(PipeReader input, long length, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = 0;
        while (received < length)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> slice = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, length - received));
            foreach (ReadOnlyMemory<byte> segment in slice)
            {
                hash.AppendData(segment.Span);
            }

            received += slice.Length;
            input.AdvanceTo(slice.End);
            if (result.IsCompleted && received < length)
            {
                throw new IOException($"The input ended after {received} of {length} bytes.");
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
