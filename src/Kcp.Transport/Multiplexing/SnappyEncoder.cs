using System.Buffers.Binary;
using Snappier;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// Compresses what the session writes into snappy chunks on the transport: the stream identifier first, then blocks of
/// at most 64 KiB, compressed unless that saves less than an eighth (as golang/snappy decides). Chunks are compressed
/// straight into the transport's buffer; only a block that spans two segments is copied first.
/// </summary>
internal sealed class SnappyEncoder(PipeReader source, PipeWriter transport)
{
    private static readonly int MaxChunkSize = SnappyFraming.ChunkHeaderSize + SnappyFraming.ChecksumSize + Snappy.GetMaxCompressedLength(SnappyFraming.MaxBlockSize);

    private byte[]? _scratch;
    private bool _wroteIdentifier;

    public async Task RunAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await source.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool wrote = !buffer.IsEmpty;
                if (wrote)
                {
                    Encode(buffer);
                }

                source.AdvanceTo(buffer.End);
                if (wrote)
                {
                    FlushResult flush = await transport.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        break;
                    }
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            await source.CompleteAsync(error).ConfigureAwait(false);
            await transport.CompleteAsync().ConfigureAwait(false);
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }
        }
    }

    private void Encode(ReadOnlySequence<byte> buffer)
    {
        if (!_wroteIdentifier)
        {
            transport.Write(SnappyFraming.IdentifierChunk);
            _wroteIdentifier = true;
        }

        while (!buffer.IsEmpty)
        {
            ReadOnlySequence<byte> block = buffer.Slice(0, Math.Min(buffer.Length, SnappyFraming.MaxBlockSize));
            ReadOnlySpan<byte> data;
            if (block.IsSingleSegment)
            {
                data = block.FirstSpan;
            }
            else
            {
                _scratch ??= ArrayPool<byte>.Shared.Rent(SnappyFraming.MaxBlockSize);
                block.CopyTo(_scratch);
                data = _scratch.AsSpan(0, (int)block.Length);
            }

            WriteChunk(data);
            buffer = buffer.Slice(block.End);
        }
    }

    private void WriteChunk(ReadOnlySpan<byte> data)
    {
        const int Prefix = SnappyFraming.ChunkHeaderSize + SnappyFraming.ChecksumSize;
        Span<byte> chunk = transport.GetSpan(MaxChunkSize);
        int compressed = Snappy.Compress(data, chunk[Prefix..]);
        byte type = SnappyFraming.CompressedData;
        int length = compressed;
        if (compressed >= data.Length - (data.Length / 8))
        {
            type = SnappyFraming.UncompressedData;
            length = data.Length;
            data.CopyTo(chunk[Prefix..]);
        }

        SnappyFraming.WriteChunkHeader(chunk, type, SnappyFraming.ChecksumSize + length);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk[SnappyFraming.ChunkHeaderSize..], SnappyFraming.MaskedCrc(data));
        transport.Advance(Prefix + length);
    }
}
