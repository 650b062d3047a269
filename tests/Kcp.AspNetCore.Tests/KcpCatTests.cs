using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// The kcpcat sample, run as a real process: pipes a raw HTTP/1.1 request into a Kestrel KCP endpoint, prints usage
/// for --help and refuses a flag it does not know (its parser in detail: Kcp.Interop.Tests CatCommandLineTests).
/// </summary>
public sealed class KcpCatTests
{
    private const string Request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    private const string Body = "hello from kestrel over kcp";

    [Fact]
    public async Task Dial_RawGetOnStdin_PrintsTheHttpResponse()
    {
        // Arrange
        await using KcpTestHost host = await KcpTestHost.StartAsync(mapApp: app => app.MapGet("/", async (HttpContext context) =>
        {
            context.Response.ContentLength = Body.Length;
            await context.Response.WriteAsync(Body);
        }), withTcp: false);
        using Process kcpcat = StartKcpCat($"dial 127.0.0.1:{host.KcpEndPoint.Port} --timeout 60 --acknodelay --streammode true");
        Task<string> stdout = kcpcat.StandardOutput.ReadToEndAsync();
        Task<string> stderr = kcpcat.StandardError.ReadToEndAsync();

        try
        {
            // Act
            await kcpcat.StandardInput.WriteAsync(Request).DefaultTimeout();
            kcpcat.StandardInput.Close();
            await kcpcat.WaitForExitAsync().DefaultTimeout();

            // Assert
            string response = await stdout.DefaultTimeout();
            Assert.True(kcpcat.ExitCode == 0, $"kcpcat exited with {kcpcat.ExitCode}: {await stderr.DefaultTimeout()}");
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
            Assert.Contains("\r\nConnection: close\r\n", response, StringComparison.Ordinal);
            Assert.Contains($"\r\nContent-Length: {Body.Length}\r\n", response, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\n" + Body, response, StringComparison.Ordinal);
        }
        finally
        {
            if (!kcpcat.HasExited)
            {
                kcpcat.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("0")]        // datagrams only: the first one opens the listener's session (aes-128-gcm authenticates it)
    [InlineData("262144")]   // beside the echoed stream
    public async Task DialDatagrams_EchoListener_SendsThemBackAndPrintsTheCounts(string bytes)
    {
        // Arrange
        // Queues long enough for every datagram: a fresh listener process may start echoing only after they all came,
        // and then sends them back in one burst.
        const string Kcp = "--crypt aes-128-gcm --key i31 --datashard 10 --parityshard 3 --datagram-queue 1024 --timeout 60";
        using Process listener = StartKcpCat($"listen 127.0.0.1:0 --mode echo {Kcp}");
        try
        {
            string listening = (await listener.StandardOutput.ReadLineAsync().DefaultTimeout())!;
            string address = System.Text.Json.JsonDocument.Parse(listening).RootElement.GetProperty("addr").GetString()!;

            // Act
            (int exitCode, string stdout, string stderr) = await RunKcpCatAsync($"dial {address} --mode echo --bytes {bytes} --datagrams 300 --datagram-size 200 {Kcp}");

            // Assert: unreliable, but loopback loses few.
            Assert.True(exitCode == 0, $"kcpcat dial exited with {exitCode}: {stdout} {stderr}");
            System.Text.Json.JsonElement result = System.Text.Json.JsonDocument.Parse(stdout).RootElement;
            Assert.True(result.GetProperty("ok").GetBoolean(), stdout);
            Assert.Equal(long.Parse(bytes, System.Globalization.CultureInfo.InvariantCulture), result.GetProperty("bytes").GetInt64());
            Assert.Equal(300, result.GetProperty("datagrams_sent").GetInt64());
            long received = result.GetProperty("datagrams_received").GetInt64();
            Assert.True(received is >= 270 and <= 300, stdout);
        }
        finally
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task Help_PrintsUsageOfTheVerbs_ExitsZero()
    {
        (int exitCode, string stdout, string stderr) = await RunKcpCatAsync("--help");

        Assert.True(exitCode == 0, $"kcpcat --help exited with {exitCode}: {stderr}");
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("listen <HOST:PORT>", stdout, StringComparison.Ordinal);
        Assert.Contains("dial <HOST:PORT>", stdout, StringComparison.Ordinal);
        Assert.Contains("relay <LISTEN_HOST:PORT> <TARGET_HOST:PORT>", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFlag_ExitsTwo_NamingTheFlag()
    {
        (int exitCode, string stdout, string stderr) = await RunKcpCatAsync("dial 127.0.0.1:9 --datashards 10 --crypt aes");

        Assert.Equal(2, exitCode);
        Assert.Contains("'--datashards'", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunKcpCatAsync(string arguments)
    {
        using Process kcpcat = StartKcpCat(arguments);
        kcpcat.StandardInput.Close();
        Task<string> stdout = kcpcat.StandardOutput.ReadToEndAsync();
        Task<string> stderr = kcpcat.StandardError.ReadToEndAsync();
        try
        {
            await kcpcat.WaitForExitAsync().DefaultTimeout();
            return (kcpcat.ExitCode, await stdout.DefaultTimeout(), await stderr.DefaultTimeout());
        }
        finally
        {
            if (!kcpcat.HasExited)
            {
                kcpcat.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartKcpCat(string arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "kcpcat", "kcpcat.dll");
        Assert.True(File.Exists(dll), $"{dll} was not copied next to the tests.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("kcpcat did not start.");
    }
}
