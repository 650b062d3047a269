using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Tests;

/// <summary>Echoes every byte back until the peer completes its output.</summary>
public sealed class EchoConnectionHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        while (true)
        {
            ReadResult result = await input.ReadAsync(connection.ConnectionClosed);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                await output.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
    }
}

/// <summary>
/// Length-prefixed frames (4-byte big-endian length, then the payload): answers each frame with its payload
/// reversed, and reports the KCP conversation id in answer to an empty frame.
/// </summary>
public sealed class ReverseFrameConnectionHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        while (true)
        {
            ReadResult result = await input.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (FrameCodec.TryRead(ref buffer, out byte[] payload))
            {
                if (payload.Length == 0)
                {
                    uint conv = connection.Features.Get<IKcpSessionFeature>()!.Conversation;
                    byte[] reply = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(reply, conv);
                    FrameCodec.Write(connection.Transport.Output, reply);
                }
                else
                {
                    Array.Reverse(payload);
                    FrameCodec.Write(connection.Transport.Output, payload);
                }

                await connection.Transport.Output.FlushAsync();
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
    }
}

/// <summary>The frame format of <see cref="ReverseFrameConnectionHandler"/>.</summary>
public static class FrameCodec
{
    public static void Write(PipeWriter writer, ReadOnlySpan<byte> payload)
    {
        Span<byte> span = writer.GetSpan(4 + payload.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, payload.Length);
        payload.CopyTo(span[4..]);
        writer.Advance(4 + payload.Length);
    }

    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out byte[] payload)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadBigEndian(out int length) && reader.Remaining >= length)
        {
            payload = buffer.Slice(4, length).ToArray();
            buffer = buffer.Slice(4 + length);
            return true;
        }

        payload = [];
        return false;
    }

    public static async Task<byte[]> ReadFrameAsync(PipeReader reader)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryRead(ref buffer, out byte[] payload))
            {
                reader.AdvanceTo(buffer.Start);
                return payload;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("The connection ended before a whole frame arrived.");
            }
        }
    }
}
