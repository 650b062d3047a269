using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kcp.AspNetCore.Tests;

/// <summary>The kcpcat sample, run as a real process, pipes a raw HTTP/1.1 request into a Kestrel KCP endpoint.</summary>
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
        using Process kcpcat = StartKcpCat($"dial 127.0.0.1:{host.KcpEndPoint.Port} --timeout 60");
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
