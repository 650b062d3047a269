using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Kcp.Interop.Tests.Harness;

/// <summary>
/// One running kcp-go-peer process (tests/GoPeer): its stdout lines arrive through a channel, its stderr is kept for
/// failure messages, and its life is bounded: the whole process tree is killed on dispose or when the lifetime ends.
/// </summary>
internal sealed class GoPeer : IAsyncDisposable
{
    /// <summary>Default bound on any single wait; generous because the machine is small and shared.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(120);

    /// <summary>Default lifetime of a peer process; it is killed after this even if a test forgets it.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private const string SolutionFile = "Kcp.AspNetCore.sln";
    private static readonly string[] BinaryRelativePath = ["artifacts", "gopeer", "kcp-go-peer"];

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _seen = [];
    private readonly StringBuilder _stderr = new();
    private readonly CancellationTokenSource _lifetime;
    private readonly string _commandLine;
    private int _disposed;

    private GoPeer(Process process, TimeSpan lifetime, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
        _lifetime = new CancellationTokenSource(lifetime);
        _lifetime.Token.Register(static state => ((GoPeer)state!).Kill(), this);
    }

    /// <summary>The address the peer listens on, read from its "listening" line (only for <see cref="ListenAsync"/>).</summary>
    public IPEndPoint? ListenEndPoint { get; private set; }

    /// <summary>The exit code once the process has ended, otherwise null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>
    /// Finds artifacts/gopeer/kcp-go-peer under the folder holding the solution, walking up from
    /// <paramref name="startDirectory"/>. Throws with the command that builds it when it is missing, so that an
    /// interop test fails instead of silently testing nothing.
    /// </summary>
    public static string LocateBinary(string startDirectory)
    {
        for (var dir = new DirectoryInfo(startDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                string binary = Path.Combine([dir.FullName, .. BinaryRelativePath]);
                if (!File.Exists(binary))
                {
                    throw new InvalidOperationException(
                        $"The kcp-go interop peer is missing ({binary}). Build it with tests/GoPeer/build.sh " +
                        "(needs the Debian packages golang-go and golang-github-xtaci-kcp-dev); tests/run does this.");
                }

                return binary;
            }
        }

        throw new InvalidOperationException(
            $"No {SolutionFile} above {startDirectory}; cannot locate artifacts/gopeer/kcp-go-peer.");
    }

    /// <summary>Starts kcp-go-peer with <paramref name="args"/>.</summary>
    public static GoPeer Start(IEnumerable<string> args, TimeSpan? lifetime = null)
    {
        string binary = LocateBinary(AppContext.BaseDirectory);
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // netcat mode must not inherit the test runner's stdin
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new GoPeer(process, lifetime ?? DefaultLifetime, "kcp-go-peer " + string.Join(' ', info.ArgumentList));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                peer._lines.Writer.TryComplete();
                return;
            }

            lock (peer._seen)
            {
                peer._seen.Add(e.Data);
            }

            peer._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (peer._stderr)
                {
                    peer._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Starts <c>listen 127.0.0.1:0</c> with <paramref name="flags"/> and waits for its "listening" line.</summary>
    public static async Task<GoPeer> ListenAsync(IEnumerable<string> flags, TimeSpan? lifetime = null)
    {
        var peer = Start(["listen", "127.0.0.1:0", .. flags], lifetime);
        try
        {
            JsonElement line = await peer.WaitForJsonAsync(e => Event(e) == "listening", DefaultWait);
            peer.ListenEndPoint = IPEndPoint.Parse(line.GetProperty("addr").GetString()!);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The "event" member of a listener line, or null for the dialer's result line.</summary>
    public static string? Event(JsonElement line)
        => line.TryGetProperty("event", out JsonElement e) ? e.GetString() : null;

    /// <summary>
    /// Consumes stdout lines until one satisfies <paramref name="predicate"/> and returns it. Throws a
    /// <see cref="TimeoutException"/> carrying everything the peer printed when none does in time or the peer exits.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out string? line))
                {
                    if (predicate(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No expected line within {timeout}. {Describe()}");
        }

        throw new TimeoutException($"The peer ended its output without the expected line. {Describe()}");
    }

    /// <summary>Like <see cref="WaitForLineAsync"/> for JSON lines; other lines are skipped.</summary>
    public async Task<JsonElement> WaitForJsonAsync(Func<JsonElement, bool> predicate, TimeSpan timeout)
    {
        JsonElement match = default;
        await WaitForLineAsync(
            line =>
            {
                if (!line.StartsWith('{'))
                {
                    return false;
                }

                using var doc = JsonDocument.Parse(line);
                if (!predicate(doc.RootElement))
                {
                    return false;
                }

                match = doc.RootElement.Clone();
                return true;
            },
            timeout);
        return match;
    }

    /// <summary>Waits for the process to exit and returns its exit code; throws a <see cref="TimeoutException"/> if it does not.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"The peer did not exit within {timeout}. {Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The command line, every stdout line seen so far and stderr, for assertion messages.</summary>
    public string Describe()
    {
        string stdout, stderr;
        lock (_seen)
        {
            stdout = string.Join('\n', _seen);
        }

        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }

        string exit = ExitCode is int code ? code.ToString(CultureInfo.InvariantCulture) : "running";
        return $"[{_commandLine}] exit: {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed but not reaped within 30 s; nothing more can be done from here.
        }

        _lifetime.Dispose();
        _process.Dispose();
    }

    /// <summary>Kills the process tree at once (a peer that dies mid-transfer); dispose still reaps it.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }
}
