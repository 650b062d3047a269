using System.Buffers.Binary;
using Kcp.Transport.Diagnostics;
using Snappier;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// Reads snappy chunks from the transport and writes the uncompressed bytes for the session to read. The stream must
/// start with the stream identifier; every data chunk's masked CRC-32C is checked. A violation completes the output
/// with a <see cref="SmuxProtocolException"/> naming it, which ends the session with that reason.
/// </summary>
internal sealed class SnappyDecoder(PipeReader transport, PipeWriter destination)
{
    // golang/snappy's bound: a chunk body holds at most the checksum and a maximally expanded 64 KiB block.
    private static readonly int MaxChunkBody = SnappyFraming.ChecksumSize + Snappy.GetMaxCompressedLength(SnappyFraming.MaxBlockSize);

    private byte[]? _scratch;
    private bool _sawIdentifier;

    public async Task RunAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await transport.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = Decode(buffer, out bool produced);
                transport.AdvanceTo(consumed, buffer.End);
                if (produced)
                {
                    FlushResult flush = await destination.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        break;
                    }
                }

                if (result.IsCompleted)
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
            await transport.CompleteAsync().ConfigureAwait(false);
            await destination.CompleteAsync(error).ConfigureAwait(false);
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }
        }
    }

    private SequencePosition Decode(ReadOnlySequence<byte> buffer, out bool produced)
    {
        produced = false;
        Span<byte> header = stackalloc byte[SnappyFraming.ChunkHeaderSize];
        while (true)
        {
            if (buffer.Length < SnappyFraming.ChunkHeaderSize)
            {
                return buffer.Start;
            }

            buffer.Slice(0, SnappyFraming.ChunkHeaderSize).CopyTo(header);
            (byte type, int length) = SnappyFraming.ReadChunkHeader(header);
            if (!_sawIdentifier && type != SnappyFraming.StreamIdentifier)
            {
                throw Missing(buffer);
            }

            if (length > MaxChunkBody)
            {
                throw Corrupt($"a chunk of type 0x{type:x2} is {length} bytes long, more than any snappy encoder writes.");
            }

            if (buffer.Length < SnappyFraming.ChunkHeaderSize + length)
            {
                return buffer.Start;
            }

            ReadOnlySequence<byte> body = buffer.Slice(SnappyFraming.ChunkHeaderSize, length);
            switch (type)
            {
                case SnappyFraming.StreamIdentifier:
                    if (!Contiguous(body).SequenceEqual(SnappyFraming.IdentifierChunk[SnappyFraming.ChunkHeaderSize..]))
                    {
                        throw Corrupt("the stream identifier chunk does not read sNaPpY.");
                    }

                    _sawIdentifier = true;
                    break;
                case SnappyFraming.CompressedData:
                case SnappyFraming.UncompressedData:
                    WriteBlock(type, Contiguous(body));
                    produced = true;
                    break;
                case < SnappyFraming.FirstSkippable:
                    throw Corrupt($"reserved unskippable chunk type 0x{type:x2}.");
                default:
                    break; // padding and reserved skippable chunks
            }

            buffer = buffer.Slice(body.End);
        }
    }

    private void WriteBlock(byte type, ReadOnlySpan<byte> body)
    {
        if (body.Length < SnappyFraming.ChecksumSize)
        {
            throw Corrupt($"a data chunk of {body.Length} bytes has no room for its checksum.");
        }

        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(body);
        ReadOnlySpan<byte> payload = body[SnappyFraming.ChecksumSize..];
        Span<byte> output;
        if (type == SnappyFraming.UncompressedData)
        {
            if (payload.Length > SnappyFraming.MaxBlockSize)
            {
                throw Corrupt($"an uncompressed chunk holds {payload.Length} bytes, more than {SnappyFraming.MaxBlockSize}.");
            }

            output = destination.GetSpan(Math.Max(1, payload.Length))[..payload.Length];
            payload.CopyTo(output);
        }
        else
        {
            int length;
            try
            {
                length = Snappy.GetUncompressedLength(payload);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt($"a compressed chunk's length cannot be read: {e.Message}");
            }

            if (length > SnappyFraming.MaxBlockSize)
            {
                throw Corrupt($"a compressed chunk expands to {length} bytes, more than {SnappyFraming.MaxBlockSize}.");
            }

            output = destination.GetSpan(Math.Max(1, length))[..length];
            try
            {
                Snappy.Decompress(payload, output);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt($"a compressed chunk does not decode: {e.Message}");
            }
        }

        uint actual = SnappyFraming.MaskedCrc(output);
        if (actual != expected)
        {
            throw new SmuxProtocolException(SmuxProtocolError.SnappyChecksum, $"a snappy chunk's checksum is {actual:x8}, not {expected:x8} as it says.");
        }

        destination.Advance(output.Length);
    }

    private ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            return body.FirstSpan;
        }

        _scratch ??= ArrayPool<byte>.Shared.Rent(MaxChunkBody);
        body.CopyTo(_scratch);
        return _scratch.AsSpan(0, (int)body.Length);
    }

    private static SmuxProtocolException Missing(in ReadOnlySequence<byte> buffer)
    {
        byte first = buffer.FirstSpan[0];
        string start = Convert.ToHexString(buffer.Slice(0, Math.Min(buffer.Length, 8)).ToArray());
        string cause = first is 1 or 2
            ? $"it looks like smux v{first} without compression (kcptun -nocomp): set KcpOptions.Smux.Compression to None, or run the peer without -nocomp."
            : "the peer does not compress with snappy.";
        return new SmuxProtocolException(SmuxProtocolError.SnappyMissing, $"the stream does not start with the snappy stream identifier (it starts {start}); {cause}");
    }

    private static SmuxProtocolException Corrupt(string detail) => new(SmuxProtocolError.SnappyCorrupt, detail);
}
