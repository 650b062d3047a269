using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatHub.Tests.Infrastructure;

/// <summary>
/// The built sample (ChatHub.dll next to the tests, with its appsettings.json) run as a real process, as
/// <c>dotnet run --project samples/ChatHub</c> runs it, with environment variables of the test's choosing.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SampleProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Exited += (_, _) => _exited.TrySetResult();
    }

    /// <summary>Everything printed so far (stdout and stderr), one entry a line.</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>The exit code once the process ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet ChatHub.dll</c> with <paramref name="arguments"/> and <paramref name="environment"/> added to this process's environment.</summary>
    public static SampleProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ChatHub.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var sample = new SampleProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>Waits (bounded) until the output holds <paramref name="text"/>; fails with the output if the process ends first.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_exited.Task.IsCompleted)
            {
                await Task.Delay(100, timeout.Token); // the last lines may still be on their way
                Assert.Fail($"The sample exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Waits (bounded) for the process to exit on its own.</summary>
    public async Task WaitForExitAsync() => await _exited.Task.WithTimeout();

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            _process.Kill(entireProcessTree: true);
            await _exited.Task.WithTimeout();
        }

        _process.Dispose();
    }
}
