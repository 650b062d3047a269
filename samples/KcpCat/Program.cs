using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Kcp.Transport;
using KcpCat;

// --help prints usage (exit 0); a command line that does not parse or validate names each problem (exit 2).
if (CatCommandLine.Parse(args, Console.Out, Console.Error, out int exitCode) is not { } arguments)
{
    return exitCode;
}

using var timeout = new CancellationTokenSource(arguments.Timeout);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    timeout.Cancel();
};

try
{
    return arguments.Verb switch
    {
        "listen" => await Listener.RunAsync(arguments, timeout.Token),
        "relay" => await Relay.RunAsync(arguments, timeout.Token),
        _ => await Dialer.RunAsync(arguments, timeout.Token),
    };
}
catch (OperationCanceledException) when (timeout.IsCancellationRequested)
{
    if (arguments.Verb == "dial")
    {
        Output.Line(Output.Result(0, 0, string.Empty, ok: false, "timeout"));
        return 1;
    }

    return 0;
}
catch (Exception e) when (e is IOException or SocketException)
{
    // A session that ended (reset, connect timeout, dead link...) or a socket that could not be bound: one clear line.
    string reason = e is KcpSessionClosedException closed ? $"{closed.Reason}: {closed.Message}" : e.Message;
    if (arguments.Verb == "dial")
    {
        Output.Line(Output.Result(0, 0, string.Empty, ok: false, reason));
    }

    Console.Error.WriteLine($"kcpcat: {reason}");
    return 1;
}

namespace KcpCat
{
    /// <summary>The listening side: serves sessions until killed or the timeout.</summary>
    internal static class Listener
    {
        public static async Task<int> RunAsync(CatArguments a, CancellationToken cancellationToken)
        {
            await using KcpListener listener = KcpListener.Bind(a.EndPoint, a.Options);
            Output.Line($$"""{"event":"listening","addr":"{{listener.LocalEndPoint}}"}""");
            var sessions = new List<Task>();
            while (await listener.AcceptAsync(cancellationToken) is { } session)
            {
                Task serve = a.Mode switch
                {
                    "echo" => EchoAsync(session, cancellationToken),
                    "sink" => SinkAsync(session, a.Bytes, cancellationToken),
                    "source" => SourceAsync(session, a.Bytes, cancellationToken),
                    _ => Netcat.RunAsync(session, cancellationToken),
                };
                sessions.Add(serve);
                if (a.Mode is null)
                {
                    await serve;
                    return 0;
                }
            }

            await Task.WhenAll(sessions);
            return 0;
        }

        private static async Task EchoAsync(KcpSession session, CancellationToken cancellationToken)
        {
            Task datagrams = Datagrams.EchoAsync(session, cancellationToken);
            await using (session)
            {
                try
                {
                    await session.Input.CopyToAsync(session.Output, cancellationToken);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                }
            }

            await datagrams;
        }

        private static async Task SinkAsync(KcpSession session, long expected, CancellationToken cancellationToken)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            var datagramCount = new StrongBox<long>();
            Task datagrams = Datagrams.CountAsync(session, datagramCount, cancellationToken);
            await using (session)
            {
                try
                {
                    while (expected < 0 || total < expected)
                    {
                        // Without --bytes the end of a KCP stream is only visible as silence.
                        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        if (expected < 0)
                        {
                            idle.CancelAfter(TimeSpan.FromSeconds(2));
                        }

                        ReadResult result;
                        try
                        {
                            result = await session.Input.ReadAsync(idle.Token);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            break;
                        }

                        foreach (ReadOnlyMemory<byte> memory in result.Buffer)
                        {
                            sha.AppendData(memory.Span);
                        }

                        total += result.Buffer.Length;
                        session.Input.AdvanceTo(result.Buffer.End);
                        if (result.IsCompleted)
                        {
                            break;
                        }
                    }
                }
                catch (IOException)
                {
                }

                // Datagrams may still be flowing after the stream: the session ends once they too have stopped.
                await Datagrams.UntilQuietAsync(datagrams, datagramCount, cancellationToken);
            }

            await datagrams;
            Output.Line($$"""{"event":"session","conv":{{session.Conversation}},"remote":"{{session.RemoteEndPoint}}","bytes":{{total}},"sha256":"{{Convert.ToHexStringLower(sha.GetHashAndReset())}}","datagrams":{{datagramCount.Value}}}""");
        }

        private static async Task SourceAsync(KcpSession session, long bytes, CancellationToken cancellationToken)
        {
            await using (session)
            {
                await Transfer.SendAsync(session.Output, Math.Max(bytes, 0), sha: null, cancellationToken);
                await session.CloseAsync(cancellationToken);
            }
        }
    }

    /// <summary>The dialing side: plays the counterpart of the listener's mode and prints one JSON result.</summary>
    internal static class Dialer
    {
        public static async Task<int> RunAsync(CatArguments a, CancellationToken cancellationToken)
        {
            if (a.Mode is null)
            {
                await using KcpSession session = await KcpClient.ConnectAsync(a.EndPoint, a.Options, cancellationToken: cancellationToken);
                await Netcat.RunAsync(session, cancellationToken);
                return 0;
            }

            long bytes = Math.Max(a.Bytes, 0);
            var clock = Stopwatch.StartNew();
            var runs = new Task<(bool Ok, string Sha, DatagramResult Datagrams)>[a.Sessions];
            for (int i = 0; i < runs.Length; i++)
            {
                runs[i] = RunOneAsync(a, bytes, cancellationToken);
            }

            var results = await Task.WhenAll(runs);
            double seconds = clock.Elapsed.TotalSeconds;
            bool ok = Array.TrueForAll(results, r => r.Ok);
            DatagramResult datagrams = results.Aggregate(new DatagramResult(0, 0, true, 0), (sum, r) => sum + r.Datagrams);
            ok &= datagrams.Intact;
            string? error = ok ? null : datagrams.Intact ? "mismatch" : "datagram mismatch";
            Output.Line(Output.Result(bytes, seconds, results[0].Sha, ok, error, a.Sessions, a.Datagrams > 0 ? datagrams : null));
            return ok ? 0 : 1;
        }

        private static async Task<(bool Ok, string Sha, DatagramResult Datagrams)> RunOneAsync(CatArguments a, long bytes, CancellationToken cancellationToken)
        {
            await using KcpSession session = await KcpClient.ConnectAsync(a.EndPoint, a.Options, cancellationToken: cancellationToken);
            try
            {
                if (a.DatagramSize > session.MaxDatagramSize && a.Datagrams > 0)
                {
                    throw new IOException($"--datagram-size {a.DatagramSize} is larger than this session's MaxDatagramSize ({session.MaxDatagramSize}).");
                }

                // The datagrams run beside the stream; a sink closes the session only after them.
                Task<DatagramResult> datagrams = a.Datagrams > 0
                    ? Datagrams.RunAsync(session, a.Datagrams, a.DatagramSize, a.DatagramInterval, cancellationToken)
                    : Task.FromResult(new DatagramResult(0, 0, true, 0));
                (bool ok, string sha) = await RunModeAsync(a, session, bytes, datagrams, cancellationToken);
                return (ok, sha, await datagrams);
            }
            catch (IOException e) when (e is not KcpSessionClosedException && session.CloseReason != KcpCloseReason.None)
            {
                // The pipes only say that the session ended; the session says why.
                throw new KcpSessionClosedException(session.CloseReason, $"{e.Message} {new KcpSessionClosedException(session.CloseReason).Message}");
            }
        }

        private static async Task<(bool Ok, string Sha)> RunModeAsync(CatArguments a, KcpSession session, long bytes, Task datagrams, CancellationToken cancellationToken)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            switch (a.Mode)
            {
                case "echo":
                    Task send = Transfer.SendAsync(session.Output, bytes, sha: null, cancellationToken);
                    bool echoed = await Transfer.ReceiveAndVerifyAsync(session.Input, bytes, sha, cancellationToken);
                    await send;
                    return (echoed, Convert.ToHexStringLower(sha.GetHashAndReset()));
                case "sink":
                    await Transfer.SendAsync(session.Output, bytes, sha, cancellationToken);
                    await datagrams;
                    await session.CloseAsync(cancellationToken); // returns once the peer acknowledged everything
                    return (true, Convert.ToHexStringLower(sha.GetHashAndReset()));
                default:
                    // KCP has no handshake: one throw-away byte makes the listener see (accept) this session.
                    await session.Output.WriteAsync(new byte[1], cancellationToken);
                    bool received = await Transfer.ReceiveAndVerifyAsync(session.Input, bytes, sha, cancellationToken);
                    return (received, Convert.ToHexStringLower(sha.GetHashAndReset()));
            }
        }
    }

    /// <summary>Sends and checks the deterministic test stream.</summary>
    internal static class Transfer
    {
        private const int Chunk = 16 * 1024;

        public static async Task SendAsync(PipeWriter output, long bytes, IncrementalHash? sha, CancellationToken cancellationToken)
        {
            var stream = new TestStream();
            long left = bytes;
            while (left > 0)
            {
                int n = (int)Math.Min(left, Chunk);
                Memory<byte> memory = output.GetMemory(n);
                stream.Fill(memory.Span[..n]);
                sha?.AppendData(memory.Span[..n]);
                output.Advance(n);
                left -= n;
                FlushResult flushed = await output.FlushAsync(cancellationToken);
                if (flushed.IsCompleted)
                {
                    throw new IOException($"The session closed while sending, {bytes - left} of {bytes} bytes written.");
                }
            }
        }

        public static async Task<bool> ReceiveAndVerifyAsync(PipeReader input, long bytes, IncrementalHash sha, CancellationToken cancellationToken)
        {
            var expected = new TestStream();
            byte[] scratch = ArrayPool<byte>.Shared.Rent(Chunk);
            long received = 0;
            bool same = true;
            try
            {
                while (received < bytes)
                {
                    ReadResult result = await input.ReadAsync(cancellationToken);
                    ReadOnlySequence<byte> buffer = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, bytes - received));
                    foreach (ReadOnlyMemory<byte> memory in buffer)
                    {
                        ReadOnlySpan<byte> span = memory.Span;
                        sha.AppendData(span);
                        while (!span.IsEmpty)
                        {
                            int n = Math.Min(span.Length, scratch.Length);
                            expected.Fill(scratch.AsSpan(0, n));
                            same &= span[..n].SequenceEqual(scratch.AsSpan(0, n));
                            span = span[n..];
                        }
                    }

                    received += buffer.Length;
                    input.AdvanceTo(buffer.End);
                    if (result.IsCompleted && received < bytes)
                    {
                        return false;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }

            return same;
        }
    }

    /// <summary>The fault relay for manual experiments: forwards until the timeout, printing its counters.</summary>
    internal static class Relay
    {
        public static async Task<int> RunAsync(CatArguments a, CancellationToken cancellationToken)
        {
            await using var relay = new Kcp.Transport.Tests.Support.UdpFaultRelay(a.RelayTarget!, a.Faults, a.Seed, a.EndPoint);
            Output.Line($$"""{"event":"relaying","listen":"{{relay.EndPoint}}","target":"{{a.RelayTarget}}"}""");
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                    Output.Line(Stats(relay));
                }
            }
            catch (OperationCanceledException)
            {
                Output.Line(Stats(relay));
                return 0;
            }
        }

        private static string Stats(Kcp.Transport.Tests.Support.UdpFaultRelay r)
            => $$"""{"event":"stats","forwarded":{{r.Forwarded}},"dropped":{{r.Dropped}},"duplicated":{{r.Duplicated}},"corrupted":{{r.Corrupted}},"truncated":{{r.Truncated}}}""";
    }

    /// <summary>netcat behaviour: stdin to the peer, the peer to stdout.</summary>
    internal static class Netcat
    {
        public static async Task RunAsync(KcpSession session, CancellationToken cancellationToken)
        {
            Stream stdout = Console.OpenStandardOutput();
            Task toStdout = CopyUntilIdleAsync(session.Input, stdout, cancellationToken);
            await Console.OpenStandardInput().CopyToAsync(session.Output, cancellationToken);
            await session.Output.FlushAsync(cancellationToken);
            await toStdout;
        }

        // KCP has no FIN: after our input ended, the conversation is over once the peer has been quiet for a while.
        private static async Task CopyUntilIdleAsync(PipeReader input, Stream output, CancellationToken cancellationToken)
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(TimeSpan.FromSeconds(2));
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (IOException)
                {
                    return;
                }

                foreach (ReadOnlyMemory<byte> memory in result.Buffer)
                {
                    await output.WriteAsync(memory, cancellationToken);
                }

                await output.FlushAsync(cancellationToken);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One JSON line per event on stdout.</summary>
    internal static class Output
    {
        public static void Line(string json)
        {
            Console.Out.WriteLine(json);
            Console.Out.Flush();
        }

        /// <summary>The dialer's result line; <paramref name="bytes"/> is per session, mbps counts all sessions.</summary>
        public static string Result(long bytes, double seconds, string sha, bool ok, string? error, int sessions = 1, DatagramResult? datagrams = null)
        {
            double mbps = seconds > 0 ? bytes * sessions * 8 / seconds / 1e6 : 0;
            string s = seconds.ToString("0.000", CultureInfo.InvariantCulture);
            string m = mbps.ToString("0.00", CultureInfo.InvariantCulture);
            string err = error is null ? string.Empty : $",\"error\":\"{System.Text.Json.JsonEncodedText.Encode(error)}\"";
            string d = datagrams is { } r
                ? $",\"datagrams_sent\":{r.Sent},\"datagrams_received\":{r.Received},\"datagram_seconds\":{r.SendSeconds.ToString("0.000", CultureInfo.InvariantCulture)}"
                : string.Empty;
            return $$"""{"bytes":{{bytes}},"sessions":{{sessions}},"seconds":{{s}},"mbps":{{m}},"sha256":"{{sha}}","ok":{{(ok ? "true" : "false")}}{{d}}{{err}}}""";
        }
    }
}
