using System.Diagnostics;

namespace Kcp.LinkEmulator.Matrix;

/// <summary>
/// A process the runner (or the harness test) starts: its stdout lines are collected, stderr is kept for the error
/// message, and it is killed with its children when disposed, so nothing outlives the run.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _errors = new();
    private readonly Lock _lock = new();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lock)
                {
                    _lines.Add(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lock)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Errors
    {
        get
        {
            lock (_lock)
            {
                return _errors.ToString();
            }
        }
    }

    public static ChildProcess Start(ProcessStartInfo start) => new(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start."));

    /// <summary>`dotnet this.dll args` inside network namespace <paramref name="ns"/>.</summary>
    public static ChildProcess StartSelf(string ns, IEnumerable<string> args)
    {
        string dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        string self = typeof(ChildProcess).Assembly.Location;
        return Start(Link.LossyLink.InNamespace(ns, dotnet, new[] { self }.Concat(args)));
    }

    /// <summary>Waits for a stdout line equal to <paramref name="line"/>; throws with stderr if the process exits or time runs out.</summary>
    public async Task WaitForLineAsync(string line, TimeSpan timeout, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_lock)
            {
                if (_lines.Contains(line))
                {
                    return;
                }
            }

            if (_process.HasExited || clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"No '{line}' from process {Id} ({(_process.HasExited ? "exited" : "timed out")}): {Errors}");
            }

            await Task.Delay(50, cancellation);
        }
    }

    /// <summary>Waits for exit and returns the last stdout line; kills the process and throws on timeout or failure.</summary>
    public async Task<string> WaitForLastLineAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            Kill();
            throw new TimeoutException($"Process {Id} did not finish within {timeout.TotalSeconds:0} s: {Errors}");
        }

        _process.WaitForExit();   // flushes the asynchronous stdout reader
        lock (_lock)
        {
            if (_process.ExitCode != 0 || _lines.Count == 0)
            {
                throw new InvalidOperationException($"Process {Id} exited with {_process.ExitCode}: {Errors}");
            }

            return _lines[^1];
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
