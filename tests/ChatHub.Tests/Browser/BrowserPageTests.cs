using System.Diagnostics;
using System.Text;
using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests.Browser;

/// <summary>
/// The real page in headless Chromium (Debian's chromium, driven by playwright-core from tests/browser, installed by
/// tests/browser/setup.sh) chats with a KCP client, says which transport it is on as the server sees it, and its
/// health panel shows the KCP session.
/// </summary>
public sealed class BrowserPageTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task Page_InChromium_SaysItIsOnWebSockets_SendsAMessageTheKcpClientReceives_AndShowsTheKcpSession()
    {
        // Arrange
        string browserDirectory = FindBrowserDirectory();
        Assert.True(File.Exists("/usr/bin/chromium") || Environment.GetEnvironmentVariable("CHROMIUM_PATH") is not null,
            "chromium is not installed: run tests/browser/setup.sh.");
        Assert.True(Directory.Exists(Path.Combine(browserDirectory, "node_modules", "playwright-core")),
            "playwright-core is not installed: run tests/browser/setup.sh.");
        await using HubConnection kcp = server.CreateKcpConnection();
        var inbox = new ChatInbox(kcp);
        await kcp.StartAsync().WithTimeout();
        server.StartServer();
        var pageUrl = new Uri(server.ClientOptions.BaseAddress, "/index.html");
        string text = $"hello from chromium {Guid.NewGuid():N}";

        // Act
        (int exitCode, string output) = await RunNodeAsync(browserDirectory, "chat-page.mjs", pageUrl.ToString(), "chromium", text);

        // Assert
        Assert.True(exitCode == 0, $"The browser script failed ({exitCode}):\n{output}");
        ChatEvent received = await inbox.WaitForMessageAsync(text);
        Assert.Equal(("chromium", "websockets"), (received.User, received.Transport));
        Assert.Contains("\"status\":\"online (WebSockets)\"", output, StringComparison.Ordinal);   // the page says what the server sees
        Assert.Contains("\"step\":\"sessions\"", output, StringComparison.Ordinal);
    }

    private static string FindBrowserDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kcp.AspNetCore.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "browser");
            }
        }

        throw new InvalidOperationException($"No Kcp.AspNetCore.sln above {AppContext.BaseDirectory}.");
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Bounds a hung browser; the script's own steps time out after 30 s each.
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(150));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
