using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Kcp.Transport;

namespace KcpCat;

/// <summary>What one dialed session's datagrams did: sent, received back (echo), and whether every one came back intact.</summary>
internal readonly record struct DatagramResult(long Sent, long Received, bool Intact, double SendSeconds)
{
    public static DatagramResult operator +(DatagramResult a, DatagramResult b)
        => new(a.Sent + b.Sent, a.Received + b.Received, a.Intact && b.Intact, Math.Max(a.SendSeconds, b.SendSeconds));
}

/// <summary>
/// kcpcat's unreliable datagrams (<see cref="KcpSession.TrySendDatagram"/>): the dialer sends <c>--datagrams N</c>
/// of <c>--datagram-size B</c> bytes, about one a millisecond (<c>--datagram-interval</c>), each carrying its index and
/// a pattern derived from it, and counts what comes back; an echo listener sends every datagram back, a sink listener
/// counts them.
/// </summary>
internal static class Datagrams
{
    /// <summary>How long the dialer keeps listening for echoes after its last datagram left, or after the last echo.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    /// <summary>Datagram <paramref name="index"/>: its index (little-endian, when it fits) and then a pattern of it.</summary>
    public static void Fill(Span<byte> payload, int index)
    {
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((index * 7) + (i * 13) + 1);
        }

        if (payload.Length >= sizeof(int))
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, index);
        }
    }

    /// <summary>True when <paramref name="payload"/> is a datagram <see cref="Fill"/> made, of <paramref name="size"/> bytes.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> payload, int size)
    {
        if (payload.Length != size)
        {
            return false;
        }

        int index = size >= sizeof(int) ? BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
        Span<byte> expected = stackalloc byte[size];
        Fill(expected, index);
        return payload.SequenceEqual(expected);
    }

    /// <summary>The dialer: sends <paramref name="count"/> datagrams paced by <paramref name="interval"/> and counts the echoes.</summary>
    public static async Task<DatagramResult> RunAsync(KcpSession session, int count, int size, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var receiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var counts = new Counts();
        Task receive = ReceiveAsync(session, size, counts, receiving.Token);
        var clock = Stopwatch.StartNew();
        long sent = await SendAsync(session, count, size, interval, cancellationToken);
        double sendSeconds = clock.Elapsed.TotalSeconds;

        // Echoes still on their way: wait until all came back or none came for a while.
        long seen = Volatile.Read(ref counts.Received);
        var quiet = Stopwatch.StartNew();
        while (seen < sent && quiet.Elapsed < Linger && !receive.IsCompleted)
        {
            await Task.Delay(10, cancellationToken);
            long now = Volatile.Read(ref counts.Received);
            if (now != seen)
            {
                seen = now;
                quiet.Restart();
            }
        }

        await receiving.CancelAsync();
        await receive;
        return new DatagramResult(sent, counts.Received, counts.Bad == 0, sendSeconds);
    }

    /// <summary>An echo listener's session: every datagram goes back, until the session ends.</summary>
    public static async Task EchoAsync(KcpSession session, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1500];
        try
        {
            while (true)
            {
                int length = await session.ReceiveDatagramAsync(buffer, cancellationToken);
                session.TrySendDatagram(buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The session ended (or the run's timeout).
        }
    }

    /// <summary>A sink listener's session: counts the datagrams into <paramref name="count"/> until the session ends.</summary>
    public static async Task CountAsync(KcpSession session, StrongBox<long> count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1500];
        try
        {
            while (true)
            {
                await session.ReceiveDatagramAsync(buffer, cancellationToken);
                Interlocked.Increment(ref count.Value);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
    }

    /// <summary>Returns once <paramref name="counting"/> ended or no datagram was counted for two seconds.</summary>
    public static async Task UntilQuietAsync(Task counting, StrongBox<long> count, CancellationToken cancellationToken)
    {
        long before;
        do
        {
            before = Volatile.Read(ref count.Value);
            await Task.WhenAny(counting, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
        }
        while (!counting.IsCompleted && !cancellationToken.IsCancellationRequested && Volatile.Read(ref count.Value) != before);
    }

    // Paced from the start time rather than by sleeping one interval per datagram: timers fire late, and a late
    // datagram is followed at once by the ones that fell due meanwhile, so N datagrams take about N intervals.
    private static async Task<long> SendAsync(KcpSession session, int count, int size, TimeSpan interval, CancellationToken cancellationToken)
    {
        byte[] payload = new byte[size];
        long sent = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            if (interval > TimeSpan.Zero)
            {
                TimeSpan due = interval * i;
                TimeSpan wait = due - Stopwatch.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }

            Fill(payload, i);
            sent += session.TrySendDatagram(payload) ? 1 : 0;
        }

        return sent;
    }

    private static async Task ReceiveAsync(KcpSession session, int size, Counts counts, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1500];
        try
        {
            while (true)
            {
                int length = await session.ReceiveDatagramAsync(buffer, cancellationToken);
                if (!IsIntact(buffer.AsSpan(0, length), size))
                {
                    Interlocked.Increment(ref counts.Bad);
                }

                Interlocked.Increment(ref counts.Received);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
    }

    private sealed class Counts
    {
        public long Received;
        public long Bad;
    }
}
