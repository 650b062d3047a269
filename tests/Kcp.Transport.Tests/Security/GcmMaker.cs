using System.Diagnostics;

namespace Kcp.Transport.Tests.Security;

/// <summary>Builds and drives tests/GcmMaker, the Go standard-library maker of the aes-128-gcm vector (V9).</summary>
internal static class GcmMaker
{
    private static readonly SemaphoreSlim s_build = new(1, 1);

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Kcp.AspNetCore.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Kcp.AspNetCore.sln not found above the test binaries.");
        }
    }

    /// <summary>Runs the maker once with the given request lines and returns its answer lines.</summary>
    public static async Task<string[]> RunAsync(string passphrase, IReadOnlyList<string> requests)
    {
        string binary = await BuildAsync();
        var start = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(passphrase);
        using Process process = Process.Start(start)!;
        try
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            foreach (string line in requests)
            {
                await process.StandardInput.WriteLineAsync(line);
            }

            process.StandardInput.Close();
            string text = await output.WaitAsync(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<string> BuildAsync()
    {
        string root = RepositoryRoot;
        string output = Path.Combine(root, "artifacts", "gcm-maker", "gcm-maker");
        await s_build.WaitAsync();
        try
        {
            var start = new ProcessStartInfo("go") { WorkingDirectory = Path.Combine(root, "tests", "GcmMaker"), RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in new[] { "build", "-o", output, "." })
            {
                start.ArgumentList.Add(arg);
            }

            // GOPATH mode, offline: golang.org/x/crypto comes from Debian's golang-golang-x-crypto-dev.
            start.Environment["GO111MODULE"] = "off";
            start.Environment["GOFLAGS"] = string.Empty;
            start.Environment["GOPATH"] = Path.Combine(root, "artifacts", "gopath") + ":/usr/share/gocode";
            start.Environment["GOCACHE"] = Path.Combine(root, "artifacts", "gopath", "cache");
            using Process process = Process.Start(start) ?? throw new InvalidOperationException("go did not start");
            try
            {
                Task<string> errors = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException("go build of tests/GcmMaker failed (install golang-go and golang-golang-x-crypto-dev): " + await errors);
                }
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            return output;
        }
        finally
        {
            s_build.Release();
        }
    }
}
