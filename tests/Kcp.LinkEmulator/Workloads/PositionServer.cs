using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// The server side of the datagrams workload, one KCP connection: the client's first line is
/// <c>RUN datagram|stream SECONDS RATE BULK</c>; the server then sends a position RATE times a second for SECONDS, as a
/// datagram or as a stream frame, while (BULK 1) the same connection's stream carries a bulk download as fast as it
/// goes; then an end frame with the count of positions sent. A ready frame answers the request at once.
/// </summary>
internal sealed class PositionServer : ConnectionHandler
{
    private const int BulkFrame = 16 * 1024;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        CancellationToken closed = connection.ConnectionClosed;
        string? request = await ReadLineAsync(connection.Transport.Input, closed);
        string[] words = request?.Split(' ') ?? [];
        if (words.Length != 5 || words[0] != "RUN")
        {
            return;
        }

        bool datagrams = words[1] == "datagram";
        double seconds = double.Parse(words[2], CultureInfo.InvariantCulture);
        double rate = double.Parse(words[3], CultureInfo.InvariantCulture);
        bool bulk = words[4] == "1";
        IKcpDatagramFeature feature = connection.Features.Get<IKcpDatagramFeature>()!;
        PipeWriter output = connection.Transport.Output;

        // An answer on the stream first, as an application's: its acknowledgement validates the client's address, which
        // lifts the amplification budget off the datagrams (in the warmup).
        PositionFrames.WriteFrame(output, PositionFrames.Ready, []);
        await output.FlushAsync(closed);

        // One writer for the stream, as a pipe needs: positions first whenever one is waiting, bulk in between. So a
        // position on the stream waits only for what the transport already holds (the pipe up to MaxWriteBufferSize, the
        // send queue and window, and retransmissions ahead of it), not for the application.
        var positions = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(closed);
        Task<long> writer = WriteStreamAsync(output, positions.Reader, bulk, stop.Token);
        long sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        long count = (long)(seconds * rate);
        try
        {
            for (uint i = 0; i < count && await timer.WaitForNextTickAsync(closed); i++)
            {
                byte[] position = new byte[PositionFrames.PositionSize];
                PositionFrames.WritePosition(position, i);
                sent += datagrams ? (feature.TrySendDatagram(position) ? 1 : 0) : (positions.Writer.TryWrite(position) ? 1 : 0);
            }

            positions.Writer.TryComplete();
            await writer;
            byte[] end = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(end, sent);
            PositionFrames.WriteFrame(output, PositionFrames.End, end);
            await output.FlushAsync(closed);

            // The client closes once it has everything.
            await ReadLineAsync(connection.Transport.Input, closed);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
    }

    /// <summary>Writes waiting positions, then one bulk frame (when <paramref name="bulk"/>), until the positions end; returns the bulk bytes written.</summary>
    private static async Task<long> WriteStreamAsync(PipeWriter output, ChannelReader<byte[]> positions, bool bulk, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[BulkFrame];
        Random.Shared.NextBytes(chunk);
        long written = 0;
        try
        {
            while (!positions.Completion.IsCompleted)
            {
                while (positions.TryRead(out byte[]? position))
                {
                    PositionFrames.WriteFrame(output, PositionFrames.Position, position);
                }

                if (bulk)
                {
                    PositionFrames.WriteFrame(output, PositionFrames.Bulk, chunk);
                    written += chunk.Length;
                    await output.FlushAsync(cancellationToken);
                }
                else
                {
                    await output.FlushAsync(cancellationToken);
                    await positions.WaitToReadAsync(cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }

        return written;
    }

    private static async Task<string?> ReadLineAsync(PipeReader input, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (buffer.PositionOf((byte)'\n') is { } end)
                {
                    string line = Encoding.ASCII.GetString(buffer.Slice(0, end));
                    input.AdvanceTo(buffer.GetPosition(1, end));
                    return line;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            return null;
        }
    }
}
