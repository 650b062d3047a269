using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// How much of an established session's throughput survives a flood from many spoofed sources (issue 8): one session
/// echoes --bytes through an echo listener (ours or kcp-go's) --warmup-rounds times untimed, --rounds times without a flood, --rounds times while
/// --sources UDP sockets on other ports send KCP data segments of made-up conversations (--convs each) at --pps
/// datagrams per second (measured from --settle-ms after the flood began), then --rounds times after it. Prints one
/// JSON line: the median MB/s of each phase and the retention: flooded ÷ the median of all rounds without the flood.
/// Usage: flood HOST:PORT [--bytes 33554432] [--rounds 5] [--sources 1000] [--convs 4] [--pps 20000] [--settle-ms 1000]
///        [--warmup-rounds 5]
///        [--mode-preset fast3] [--sndwnd 1024] [--rcvwnd 1024] [--mtu 1400] (the listener's own flags must match)
///        [--server-pid PID] (Linux: the listener's resident memory before, at the end of, and after the flood)
/// The flood has no crypto and no FEC header, like the listener it is meant for (kcpcat / kcp-go-peer with defaults).
/// A measurement, not a test: the 2-core machine's other load shows in it; compare within one run.
/// </summary>
internal static class FloodRetention
{
    private const int FloodPayload = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        IPEndPoint server = IPEndPoint.Parse(args[0]);
        long bytes = 32 << 20;
        int rounds = 5, warmup = 5, settleMs = 1000, sources = 1000, convs = 4, pps = 20_000, serverPid = 0;
        var options = new KcpOptions { SendWindow = 1024, ReceiveWindow = 1024 };
        options.ApplyPreset(KcpPreset.Fast3);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--bytes": bytes = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sources": sources = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--convs": convs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warmup-rounds": warmup = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--settle-ms": settleMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--pps": pps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--mode-preset": options.ApplyPreset(Enum.Parse<KcpPreset>(value, ignoreCase: true)); break;
                case "--sndwnd": options.SendWindow = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rcvwnd": options.ReceiveWindow = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--mtu": options.Mtu = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--server-pid": serverPid = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown flag {args[i]}"); return 2;
            }
        }

        await using KcpSession session = await KcpClient.ConnectAsync(server, options);
        for (int i = 0; i < warmup; i++)
        {
            // Untimed: both .NET processes reach their tiered-up (PGO) code first, else the rounds after the flood
            // run about twice as fast as those before it.
            await EchoAsync(session, bytes);
        }

        // Rounds without a flood before and after it: a drift of the machine (other load, CPU clocks) shows as a gap
        // between the two and does not pass for the flood's effect.
        List<double> before = await RatesAsync(session, bytes, rounds);
        Console.Error.WriteLine($"flood: baseline {Median(before):F1} MB/s; flooding from {sources} ports at {pps} datagrams/s");
        List<double> flooded;
        long sent;
        double seconds;
        long rssBefore = ServerProcess.RssKb(serverPid), rssFlooded;
        using (var flood = new Flood(server, sources, convs, pps))
        {
            await Task.Delay(settleMs); // past the burst of new conversations: the steady state of a flood is what lasts
            flooded = await RatesAsync(session, bytes, rounds);
            rssFlooded = ServerProcess.RssKb(serverPid);
            (sent, seconds) = flood.Stop();
        }

        await Task.Delay(settleMs);
        List<double> after = await RatesAsync(session, bytes, rounds);
        long rssAfter = ServerProcess.RssKb(serverPid);
        double baseline = Median([.. before, .. after]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"bytes":{{bytes}},"rounds":{{rounds}},"before_mbps":{{Median(before):F1}},"flooded_mbps":{{Median(flooded):F1}},"after_mbps":{{Median(after):F1}},"retention_pct":{{100 * Median(flooded) / baseline:F0}},"sources":{{sources}},"conversations":{{sources * convs}},"flood_pps":{{sent / seconds:F0}},"flood_datagrams":{{sent}},"server_rss_mb":[{{rssBefore / 1024.0:F1}},{{rssFlooded / 1024.0:F1}},{{rssAfter / 1024.0:F1}}]}"""));
        return 0;
    }

    private static async Task<List<double>> RatesAsync(KcpSession session, long bytes, int rounds)
    {
        var rates = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            await EchoAsync(session, bytes);
            rates.Add(bytes / clock.Elapsed.TotalSeconds / 1e6);
        }

        return rates;
    }

    private static double Median(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Writes <paramref name="bytes"/> and reads as many back (the echo), concurrently.</summary>
    internal static async Task EchoAsync(KcpSession session, long bytes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Task write = Task.Run(async () =>
        {
            byte[] chunk = new byte[16 * 1024];
            for (long left = bytes; left > 0; left -= chunk.Length)
            {
                await session.Output.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), timeout.Token);
            }
        });
        for (long read = 0; read < bytes;)
        {
            ReadResult result = await session.Input.ReadAsync(timeout.Token);
            long n = Math.Min(result.Buffer.Length, bytes - read);
            read += n;
            session.Input.AdvanceTo(result.Buffer.GetPosition(n));
            if (result.IsCompleted && read < bytes)
            {
                throw new IOException($"The session closed after {read} of {bytes} echoed bytes.");
            }
        }

        await write;
    }

    /// <summary>
    /// Sockets on other ports sending KCP data segments (sn 0, 100 bytes) of conversations nobody opened, paced to a
    /// rate by one thread. What the listener answers is never read: UDP cannot push back, the kernel just drops it.
    /// </summary>
    private sealed class Flood : IDisposable
    {
        private readonly Socket[] _sockets;
        private readonly byte[][][] _datagrams;
        private readonly SocketAddress _target;
        private readonly int _pps;
        private readonly Thread _sender;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private volatile bool _stopped;
        private long _sent;

        public Flood(IPEndPoint target, int sources, int convs, int pps)
        {
            _target = target.Serialize();
            _pps = pps;
            var random = new Random(8);
            _sockets = new Socket[sources];
            _datagrams = new byte[sources][][];
            for (int i = 0; i < sources; i++)
            {
                _sockets[i] = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
                _sockets[i].Bind(new IPEndPoint(target.Address, 0));
                _datagrams[i] = new byte[convs][];
                for (int c = 0; c < convs; c++)
                {
                    _datagrams[i][c] = Push((uint)random.Next(), FloodPayload);
                }
            }

            _sender = new Thread(Send) { IsBackground = true, Name = "flood" };
            _sender.Start();
        }

        public (long Sent, double Seconds) Stop()
        {
            _stopped = true;
            _sender.Join();
            return (Interlocked.Read(ref _sent), _clock.Elapsed.TotalSeconds);
        }

        public void Dispose()
        {
            if (!_stopped)
            {
                Stop();
            }

            foreach (Socket socket in _sockets)
            {
                socket.Dispose();
            }
        }

        private void Send()
        {
            int source = 0, conv = 0;
            while (!_stopped)
            {
                // Send what the rate allows up to now, then sleep a millisecond: a paced flood, not a busy loop.
                long due = (long)(_clock.Elapsed.TotalSeconds * _pps);
                while (_sent < due && !_stopped)
                {
                    try
                    {
                        _sockets[source].SendTo(_datagrams[source][conv], SocketFlags.None, _target);
                    }
                    catch (SocketException)
                    {
                        // A full send buffer: the datagram is lost, like a flood's would be.
                    }

                    Interlocked.Increment(ref _sent);
                    if (++source == _sockets.Length)
                    {
                        source = 0;
                        conv = (conv + 1) % _datagrams[0].Length;
                    }
                }

                Thread.Sleep(1);
            }
        }

        /// <summary>A KCP PUSH segment: conv, cmd 81, frg 0, wnd 128, ts 0, sn 0, una 0, len, then the payload.</summary>
        private static byte[] Push(uint conv, int length)
        {
            byte[] segment = new byte[24 + length];
            BinaryPrimitives.WriteUInt32LittleEndian(segment, conv);
            segment[4] = 81;
            BinaryPrimitives.WriteUInt16LittleEndian(segment.AsSpan(6), 128);
            BinaryPrimitives.WriteUInt32LittleEndian(segment.AsSpan(20), (uint)length);
            segment.AsSpan(24).Fill(0x5a);
            return segment;
        }
    }
}
