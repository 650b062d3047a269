using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace ChatHub.Tests.Infrastructure;

/// <summary>
/// The page's JavaScript SignalR client, the official @microsoft/signalr that samples/ChatHub's build installs from
/// its package-lock.json (the package's Node.js build; the page serves its browser bundle), running under Node.js and
/// driven line by line through Browser/page-client-harness.js. Node.js is part of the machine image.
/// </summary>
internal sealed class NodePageClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private NodePageClient(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts node and waits (bounded) for the hub handshake to complete.</summary>
    public static async Task<NodePageClient> StartAsync(Uri httpBase)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Browser");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add("page-client-harness.js");
        start.ArgumentList.Add(SignalRPackageDirectory);
        start.ArgumentList.Add(httpBase.Authority);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var client = new NodePageClient(process);
        string first = await client.NextLineAsync().ConfigureAwait(false);
        Assert.StartsWith("READY ", first, StringComparison.Ordinal);
        client.Version = first["READY ".Length..];
        return client;
    }

    /// <summary>samples/ChatHub/node_modules/@microsoft/signalr, installed by the sample's build (npm ci).</summary>
    public static string SignalRPackageDirectory
    {
        get
        {
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Kcp.AspNetCore.sln")))
                {
                    string package = Path.Combine(directory.FullName, "samples", "ChatHub", "node_modules", "@microsoft", "signalr");
                    Assert.True(Directory.Exists(package), $"{package} is missing: building samples/ChatHub runs npm ci.");
                    return package;
                }
            }

            throw new InvalidOperationException($"No Kcp.AspNetCore.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The client's version (signalR.VERSION).</summary>
    public string Version { get; private set; } = string.Empty;

    /// <summary>Invokes a hub method from the page client and waits for its completion.</summary>
    public async Task InvokeAsync(string target, params object[] args)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new { target, args })).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        await WaitForLineAsync(line => line == "DONE " + target).ConfigureAwait(false);
    }

    /// <summary>Waits for a broadcast the page client received; returns (user, transport).</summary>
    public async Task<(string User, string Via)> WaitForMessageAsync(string message)
    {
        string line = await WaitForLineAsync(l => l.StartsWith("MSG ", StringComparison.Ordinal)
            && JsonDocument.Parse(l[4..]).RootElement.GetProperty("message").GetString() == message).ConfigureAwait(false);
        JsonElement root = JsonDocument.Parse(line[4..]).RootElement;
        return (root.GetProperty("user").GetString()!, root.GetProperty("via").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Closing stdin makes the harness stop the connection and exit.
            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WaitAsync(TestTimeouts.Default).ConfigureAwait(false);
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }

    private async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        while (true)
        {
            string line = await NextLineAsync().ConfigureAwait(false);
            Assert.False(line.StartsWith("ERROR ", StringComparison.Ordinal), line);
            if (match(line))
            {
                return line;
            }
        }
    }

    private async Task<string> NextLineAsync()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        return await _lines.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
    }
}
