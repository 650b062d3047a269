using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// How soon a listener answers a new session's first datagram (issue 30, item 2), ours against kcp-go's, as a raw peer
/// sees it: one KCP PUSH (sn 0, 16 bytes) from a fresh UDP socket, timed to the first datagram that acknowledges it.
/// Cold: the first session of a listener process started a moment before (start-up, JIT); warm: --warm more sessions
/// of the same process afterwards, each from a new socket and conversation. Each implementation serves in sink mode
/// (the first ACK, nothing else to send) and echo mode (the first reply, which carries the ACK). --runs processes per
/// row; medians. Prints a Markdown table.
/// Usage: firstack [--runs 5] [--warm 5] [--impl NAME=COMMAND]... (COMMAND: a listener's command line without
///        "listen ADDR"; default: ours = the repository's kcpcat, kcp-go = artifacts/gopeer/kcp-go-peer) [--preset fast]
/// A measurement, not a test: the machine's other load shows in it.
/// </summary>
internal static class FirstAckLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        int runs = 5, warm = 5;
        string preset = "fast";
        var impls = new List<(string Name, string[] Command)>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--runs": runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warm": warm = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--preset": preset = value; break;
                case "--impl": impls.Add(ListenerCommand.Parse(value)); break;
                default: Console.Error.WriteLine($"unknown flag {args[i]}"); return 2;
            }
        }

        if (impls.Count == 0)
        {
            impls = ListenerCommand.Defaults();
        }

        Console.WriteLine($"| listener (--mode-preset {preset}) | process start to listening | first ACK, cold | first ACK, warm | first reply (echo), cold | first reply (echo), warm |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach ((string name, string[] command) in impls)
        {
            var cells = new List<string>();
            var startUps = new List<double>();
            foreach (string mode in new[] { "sink", "echo" })
            {
                var cold = new List<double>();
                var warmTimes = new List<double>();
                for (int r = 0; r < runs; r++)
                {
                    (double startUp, double c, List<double> w) = await MeasureAsync(command, mode, preset, warm);
                    startUps.Add(startUp);
                    cold.Add(c);
                    warmTimes.AddRange(w);
                    Console.Error.WriteLine($"firstack: {name} {mode} run {r + 1}: cold {c:F2} ms, warm {string.Join(" ", w.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} ms");
                }

                cells.Add(Format(cold));
                cells.Add(Format(warmTimes));
            }

            Console.WriteLine($"| {name} | {Format(startUps)} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} |");
        }

        return 0;
    }

    private static string Format(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        double median = sorted[sorted.Count / 2];
        return string.Create(CultureInfo.InvariantCulture, $"{median:F1} ms (max {sorted[^1]:F1})");
    }

    /// <summary>Starts one listener process, times its first session's ACK, then <paramref name="warm"/> more.</summary>
    private static async Task<(double StartUp, double Cold, List<double> Warm)> MeasureAsync(string[] command, string mode, string preset, int warm)
    {
        var clock = Stopwatch.StartNew();
        using Process process = ListenerCommand.Start(command, "--mode", mode, "--mode-preset", preset, "--timeout", "60");
        try
        {
            IPEndPoint listener = await ListenerCommand.ListeningAddressAsync(process);
            double startUp = clock.Elapsed.TotalMilliseconds;
            double cold = TimeFirstAck(listener);
            var warmTimes = new List<double>();
            for (int i = 0; i < warm; i++)
            {
                await Task.Delay(50);
                warmTimes.Add(TimeFirstAck(listener));
            }

            return (startUp, cold, warmTimes);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>One PUSH (sn 0) from a new socket and conversation; milliseconds until a datagram acknowledges it.</summary>
    private static double TimeFirstAck(IPEndPoint listener)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        uint conv = (uint)Random.Shared.Next(1, int.MaxValue);
        byte[] push = new byte[24 + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(push, conv);
        push[4] = 81;                                                       // PUSH
        BinaryPrimitives.WriteUInt16LittleEndian(push.AsSpan(6), 128);      // wnd
        BinaryPrimitives.WriteUInt32LittleEndian(push.AsSpan(8), 1000);     // ts
        BinaryPrimitives.WriteUInt32LittleEndian(push.AsSpan(20), 16);      // len
        byte[] buffer = new byte[2048];
        var clock = Stopwatch.StartNew();
        socket.SendTo(push, listener);
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (!socket.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead))
            {
                continue;
            }

            int n = socket.Receive(buffer);
            for (int offset = 0; offset + 24 <= n;)
            {
                ReadOnlySpan<byte> segment = buffer.AsSpan(offset, n - offset);
                if (BinaryPrimitives.ReadUInt32LittleEndian(segment) == conv && segment[4] == 82 && BinaryPrimitives.ReadUInt32LittleEndian(segment[12..]) == 0)
                {
                    return clock.Elapsed.TotalMilliseconds;
                }

                offset += 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(segment[20..]);
            }
        }

        return double.PositiveInfinity;
    }
}
