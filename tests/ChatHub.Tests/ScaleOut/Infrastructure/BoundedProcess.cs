using System.Collections.Concurrent;
using System.Diagnostics;
using ChatHub.Tests.Infrastructure;

namespace ChatHub.Tests.ScaleOut.Infrastructure;

/// <summary>
/// A child process of a scale-out test (redis-server, nginx, a ChatHub server), bounded twice: coreutils' <c>timeout</c>
/// ends it after <see cref="Lifetime"/> even if the test host itself dies, and the test stops it (<see cref="DisposeAsync"/>:
/// SIGTERM, then SIGKILL to the whole process tree) when it is done, failed or not.
/// </summary>
internal sealed class BoundedProcess : IAsyncDisposable
{
    /// <summary>Longer than any scale-out test (90 s): a safety net, not a deadline the tests meet.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(150);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BoundedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Exited += (_, _) => _exited.TrySetResult();
    }

    /// <summary>What the test calls it in messages ("redis", "nginx", "server-2").</summary>
    public string Name { get; }

    /// <summary>Everything printed so far (stdout and stderr), one entry a line.</summary>
    public string Output => string.Join('\n', _lines);

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Starts <paramref name="program"/> under <c>timeout</c> with <paramref name="environment"/> added to this process's.</summary>
    public static BoundedProcess Start(
        string name, string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("timeout")
        {
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        // TERM at the end of the lifetime, KILL 5 s later if that was not enough.
        foreach (string argument in (string[])["--kill-after=5", $"{(int)Lifetime.TotalSeconds}", program, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var bounded = new BoundedProcess(name, process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bounded;
    }

    /// <summary>Waits (bounded) for a line containing <paramref name="text"/>; fails with the output if the process ends first.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        while (true)
        {
            if (_lines.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (HasExited)
            {
                await Task.Delay(100, CancellationToken.None); // its last lines may still be on their way
                if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } late)
                {
                    return late;
                }

                Assert.Fail($"{Name} exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
            }

            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{Name} did not print '{text}' within {(timeout ?? TestTimeouts.Default).TotalSeconds} s:\n{Output}");
            }
        }
    }

    /// <summary>Kills the process tree at once (SIGKILL: a crash, not a shutdown) and waits for it to end.</summary>
    public async Task KillAsync()
    {
        if (!HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _exited.Task.WithTimeout();
    }

    /// <summary>
    /// Stops the process as a service manager would: SIGTERM to <c>timeout</c>, which passes it on (nginx's master then
    /// stops its workers, which a SIGKILL of the master would leave running), then, after 5 s, SIGKILL to the whole tree.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!HasExited)
            {
                using (Process term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync().WithTimeout();
                }

                await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5)));
            }

            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
