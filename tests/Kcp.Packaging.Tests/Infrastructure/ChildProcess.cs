using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kcp.Packaging.Tests.Infrastructure;

/// <summary>
/// A process started by a test: its output (stdout and stderr, one entry a line) is collected as it comes, every wait
/// is bounded, and disposing kills whatever is still running of it (its whole tree).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _started = Stopwatch.StartNew();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Exited += (_, _) => _exited.TrySetResult();
    }

    /// <summary>Everything printed so far.</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>The exit code, once <see cref="WaitForExitAsync"/> returned.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Time since the process was started.</summary>
    public TimeSpan Elapsed => _started.Elapsed;

    /// <summary>The dotnet host that runs these tests (the SDK's, under `dotnet test`).</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Starts <paramref name="fileName"/> with this process's environment, less MSBuild's, plus <paramref name="environment"/>.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` leaves MSBuild's variables (MSBuildSDKsPath, MSBuildExtensionsPath, ...) to the test host; a
        // nested dotnet must resolve its SDK on its own.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Runs `dotnet <paramref name="arguments"/>` to its end within <paramref name="timeout"/> (killed and failed
    /// otherwise) and returns it, exited; build servers are off so that nothing outlives the command.
    /// </summary>
    public static async Task<ChildProcess> RunDotnetAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        };
        ChildProcess child = Start(Dotnet, [.. arguments, "--disable-build-servers"], workingDirectory, env);
        try
        {
            await child._exited.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await child.DisposeAsync();
            Assert.Fail($"`dotnet {string.Join(' ', arguments)}` did not finish within {timeout}:\n{child.Output}");
        }

        await Task.Delay(100); // the last lines may still be on their way
        return child;
    }

    /// <summary>Waits (bounded) until a line starts with <paramref name="prefix"/> and returns the rest of it; fails with the output if the process ends first.</summary>
    public async Task<string> WaitForLineAsync(string prefix)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        while (true)
        {
            string? line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line[prefix.Length..];
            }

            if (_exited.Task.IsCompleted)
            {
                await Task.Delay(100, timeout.Token);
                Assert.Fail($"The process exited ({_process.ExitCode}) without printing '{prefix}':\n{Output}");
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Waits (bounded) for the process to exit on its own.</summary>
    public async Task WaitForExitAsync()
    {
        await _exited.Task.DefaultTimeout();
        await Task.Delay(100); // the last lines may still be on their way
    }

    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }

            await _exited.Task.DefaultTimeout();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
