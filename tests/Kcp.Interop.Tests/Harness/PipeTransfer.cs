using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Kcp.Interop.Tests.Harness;

/// <summary>Moves the <see cref="TestStream"/> through pipes (a KCP session's Input/Output) and checks it.</summary>
internal static class PipeTransfer
{
    private const int ChunkSize = 16 * 1024;

    /// <summary>
    /// Writes the first <paramref name="length"/> stream bytes, flushing per chunk of <paramref name="chunkSize"/> bytes
    /// so backpressure applies, one chunk per <paramref name="pace"/> if given (an application's small messages);
    /// returns their SHA-256.
    /// </summary>
    public static async Task<string> SendAsync(
        PipeWriter writer, long length, CancellationToken cancellationToken, int chunkSize = ChunkSize, TimeSpan pace = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = new TestStream();
        for (long left = length; left > 0;)
        {
            if (pace > TimeSpan.Zero && left < length)
            {
                await Task.Delay(pace, cancellationToken);
            }

            int n = (int)Math.Min(chunkSize, left);
            Memory<byte> memory = writer.GetMemory(n)[..n];
            stream.Fill(memory.Span);
            hash.AppendData(memory.Span);
            writer.Advance(n);
            FlushResult flush = await writer.FlushAsync(cancellationToken);
            if (flush.IsCompleted && left > n)
            {
                throw new IOException($"The reader completed after {length - left + n} of {length} bytes.");
            }

            left -= n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes, checks them against the stream and returns their SHA-256. When
    /// <paramref name="echo"/> is given, every byte read is written to it as well (an echo server).
    /// Throws <see cref="InvalidDataException"/> on the first wrong byte and <see cref="EndOfStreamException"/> if the pipe ends early.
    /// </summary>
    public static async Task<string> ReceiveAndVerifyAsync(PipeReader reader, long length, CancellationToken cancellationToken, PipeWriter? echo = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = new TestStream();
        byte[] expected = new byte[ChunkSize];
        long received = 0;
        while (received < length)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length > length - received)
            {
                buffer = buffer.Slice(0, length - received);
            }

            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                for (ReadOnlyMemory<byte> rest = segment; !rest.IsEmpty;)
                {
                    int n = Math.Min(rest.Length, expected.Length);
                    stream.Fill(expected.AsSpan(0, n));
                    ReadOnlySpan<byte> actual = rest.Span[..n];
                    int mismatch = actual.CommonPrefixLength(expected.AsSpan(0, n));
                    if (mismatch < n)
                    {
                        throw new InvalidDataException($"Byte {received + mismatch} of {length} differs from the test stream.");
                    }

                    hash.AppendData(actual);
                    received += n;
                    rest = rest[n..];
                }

                if (echo is not null)
                {
                    await echo.WriteAsync(segment, cancellationToken);
                }
            }

            reader.AdvanceTo(buffer.End);
            if (received < length && result.IsCompleted)
            {
                throw new EndOfStreamException($"The stream ended after {received} of {length} bytes.");
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
