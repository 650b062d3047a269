using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// The server side of the datagrams workload, one KCP connection: the client's first line is
/// <c>RUN datagram|stream SECONDS RATE BULK</c>; the server then sends a position RATE times a second for SECONDS, as a
/// datagram or as a stream frame, while (BULK 1) the same connection's stream carries a bulk download as fast as it
/// goes; then an end frame with the count of positions sent.
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
        using var writeLock = new SemaphoreSlim(1, 1);
        using var stopBulk = CancellationTokenSource.CreateLinkedTokenSource(closed);
        Task bulkTask = bulk ? SendBulkAsync(output, writeLock, stopBulk.Token) : Task.CompletedTask;

        long sent = 0;
        byte[] position = new byte[PositionFrames.PositionSize];
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        long count = (long)(seconds * rate);
        try
        {
            for (uint i = 0; i < count && await timer.WaitForNextTickAsync(closed); i++)
            {
                PositionFrames.WritePosition(position, i);
                if (datagrams)
                {
                    sent += feature.TrySendDatagram(position) ? 1 : 0;
                    continue;
                }

                // On the stream the position queues behind the bulk already written, as an application's would.
                await writeLock.WaitAsync(closed);
                try
                {
                    PositionFrames.WriteFrame(output, PositionFrames.Position, position);
                    await output.FlushAsync(closed);
                    sent++;
                }
                finally
                {
                    writeLock.Release();
                }
            }

            await stopBulk.CancelAsync();
            await bulkTask;
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

    private static async Task SendBulkAsync(PipeWriter output, SemaphoreSlim writeLock, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[BulkFrame];
        Random.Shared.NextBytes(chunk);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await writeLock.WaitAsync(cancellationToken);
                try
                {
                    PositionFrames.WriteFrame(output, PositionFrames.Bulk, chunk);
                    await output.FlushAsync(cancellationToken);
                }
                finally
                {
                    writeLock.Release();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
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
