using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// One KCP session carrying a bulk download (while --bytes is not 0) and, beside it, --rate position messages a second
/// from the server for --seconds after --warmup: as unreliable datagrams (workload "datagrams") or as frames of the
/// same reliable stream ("datagrams-stream"). Samples are one-way delivery times of the positions; lost counts
/// positions sent and never delivered (datagrams are not resent); payload is the bulk received.
/// </summary>
internal static class DatagramWorkload
{
    public static async Task<WorkloadResult> RunAsync(ClientOptions options, bool onStream)
    {
        if (options.IsTcp)
        {
            throw new ArgumentException("The datagrams workloads run over KCP only.");
        }

        KcpConfig config = KcpConfig.Parse(options.Config);
        var kcp = new KcpOptions();
        config.Configure(kcp);
        await using var factory = new KcpConnectionFactory(kcp);
        await using ConnectionContext connection = await factory.ConnectAsync(config.PositionEndPoint(options.Server));
        IKcpDatagramFeature datagrams = connection.Features.Get<IKcpDatagramFeature>()!;
        var samples = new LatencySamples();
        long received = 0;
        long countFrom = Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        void OnPosition(ReadOnlySpan<byte> position)
        {
            long now = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref received);
            long sentAt = PositionFrames.SentAt(position);
            if (sentAt >= countFrom)
            {
                samples.Add((now - sentAt) * 1000.0 / Stopwatch.Frequency);
            }
        }

        string request = string.Create(CultureInfo.InvariantCulture,
            $"RUN {(onStream ? "stream" : "datagram")} {options.Seconds + options.WarmupSeconds} {options.Rate} {(options.Bytes > 0 ? 1 : 0)}\n");
        await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(request));
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds + options.WarmupSeconds + options.TimeoutSeconds));
        using var stopDatagrams = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        Task datagramLoop = ReceiveDatagramsAsync(datagrams, OnPosition, stopDatagrams.Token);
        (long bulk, long sent) = await ReadStreamAsync(connection, OnPosition, deadline.Token);
        double seconds = clock.Elapsed.TotalSeconds;

        // Datagrams still in flight after the end frame (it may overtake them on a fast path).
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stopDatagrams.CancelAsync();
        await datagramLoop;
        await connection.Transport.Output.WriteAsync("BYE\n"u8.ToArray());
        samples.WriteTo(options.SamplesPath);
        WorkloadResult result = WorkloadResult.From(samples, sent < 0 ? 0 : sent - Interlocked.Read(ref received), seconds - options.WarmupSeconds);
        return result with
        {
            PayloadBytes = bulk,
            Seconds = seconds,
            Completed = sent >= 0,
            Note = sent >= 0 ? $"{Interlocked.Read(ref received)} of {sent} positions delivered" : "no end frame before the deadline",
        };
    }

    private static async Task ReceiveDatagramsAsync(IKcpDatagramFeature datagrams, PositionHandler onPosition, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1500];
        try
        {
            while (true)
            {
                int length = await datagrams.ReceiveDatagramAsync(buffer, cancellationToken);
                if (length == PositionFrames.PositionSize)
                {
                    onPosition(buffer.AsSpan(0, length));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
    }

    /// <summary>Bulk bytes and stream positions until the end frame; returns the bulk received and the positions the server sent (-1: no end).</summary>
    private static async Task<(long Bulk, long Sent)> ReadStreamAsync(ConnectionContext connection, PositionHandler onPosition, CancellationToken cancellationToken)
    {
        long bulk = 0;
        byte[] position = new byte[PositionFrames.PositionSize];
        try
        {
            while (true)
            {
                ReadResult result = await connection.Transport.Input.ReadAsync(cancellationToken);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (PositionFrames.TryRead(ref buffer, out byte type, out ReadOnlySequence<byte> payload))
                {
                    switch (type)
                    {
                        case PositionFrames.Bulk:
                            bulk += payload.Length;
                            break;
                        case PositionFrames.Position:
                            payload.CopyTo(position);
                            onPosition(position);
                            break;
                        case PositionFrames.End:
                            byte[] end = payload.ToArray();
                            connection.Transport.Input.AdvanceTo(buffer.Start);
                            return (bulk, BinaryPrimitives.ReadInt64LittleEndian(end));
                    }
                }

                connection.Transport.Input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return (bulk, -1);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            return (bulk, -1);
        }
    }

    private delegate void PositionHandler(ReadOnlySpan<byte> position);
}
