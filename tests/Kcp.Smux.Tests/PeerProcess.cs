using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Kcp.Smux.Tests;

/// <summary>
/// A real peer process (kcptun-client, kcptun-server, smux-peer, curl) run by a test: its output lines arrive through
/// a channel, and its life is bounded: the process tree is killed on dispose or when its lifetime ends.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(4);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _output = new();
    private readonly CancellationTokenSource _lifetime;
    private int _disposed;

    private PeerProcess(Process process, TimeSpan lifetime)
    {
        _process = process;
        _lifetime = new CancellationTokenSource(lifetime);
        _lifetime.Token.Register(static state => ((PeerProcess)state!).Kill(), this);
    }

    public string CommandLine => $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}";

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts <paramref name="binary"/>; a missing binary fails with the package that installs it.</summary>
    public static PeerProcess Start(string binary, IEnumerable<string> args, string installHint, TimeSpan? lifetime = null)
    {
        string path = Locate(binary, installHint);
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(process, lifetime ?? DefaultLifetime);
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (peer._output)
            {
                peer._output.AppendLine(e.Data);
            }

            peer._lines.Writer.TryWrite(e.Data);
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Finds <paramref name="binary"/> (an absolute path, or a name on PATH).</summary>
    public static string Locate(string binary, string installHint)
    {
        if (Path.IsPathRooted(binary))
        {
            return File.Exists(binary) ? binary : throw new InvalidOperationException($"{binary} is missing: {installHint}");
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string candidate = Path.Combine(dir, binary);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{binary} is not on PATH: {installHint}");
    }

    /// <summary>Waits for an output line (stdout or stderr) containing <paramref name="text"/>.</summary>
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
        }

        throw new TimeoutException($"No expected line within {timeout}. {Describe()}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"The process did not exit within {timeout}. {Describe()}");
        }

        return _process.ExitCode;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Describe() => $"[{CommandLine}] exit: {(ExitCode?.ToString() ?? "running")}\n{Output}";

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
        }

        _lifetime.Dispose();
        _process.Dispose();
    }
}
