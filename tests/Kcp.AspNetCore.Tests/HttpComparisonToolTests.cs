using System.Diagnostics;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// `Kcp.Benchmarks http` (the README's HTTP over KCP against TCP table), run as a real process for one short round so
/// that the tool cannot rot between the occasions someone measures with it.
/// </summary>
public sealed class HttpComparisonToolTests
{
    [Fact]
    public async Task Http_OneShortRound_EveryWorkloadSucceedsOverTcpAndBothKcpProfiles()
    {
        // Arrange
        string dll = Path.Combine(AppContext.BaseDirectory, "benchmarks", "Kcp.Benchmarks.dll");
        Assert.True(File.Exists(dll), $"{dll} was not copied next to the tests.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            $"\"{dll}\" http --seconds 0.2 --rounds 1 --warmup-seconds 0.1")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Act
        using Process tool = Process.Start(start) ?? throw new InvalidOperationException("Kcp.Benchmarks did not start.");
        Task<string> stdout = tool.StandardOutput.ReadToEndAsync();
        Task<string> stderr = tool.StandardError.ReadToEndAsync();
        try
        {
            await tool.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

            // Assert
            string table = await stdout.DefaultTimeout();
            Assert.True(tool.ExitCode == 0, $"http exited with {tool.ExitCode}: {await stderr.DefaultTimeout()}");
            foreach (string row in (string[])["| HTTP/1.1 GET 1 MiB, 1 connection | TCP |", "| h2c GET 13 B, 32 streams on 1 connection | KCP fast3 |",
                "| gRPC server streaming 64 KiB messages, 1 call | KCP fast3 aes-128-gcm + FEC 10/3 |"])
            {
                Assert.Contains(row, table, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("failed", table, StringComparison.Ordinal);
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }
        }
    }
}
