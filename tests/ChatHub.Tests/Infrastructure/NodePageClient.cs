using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace ChatHub.Tests.Infrastructure;

/// <summary>
/// The page's JavaScript SignalR client (wwwroot/signalr-mini.js) running under Node.js with its experimental
/// WebSocket, driven line by line through Browser/page-client-harness.js. Node.js is part of the machine image.
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
        start.ArgumentList.Add("--experimental-websocket");
        start.ArgumentList.Add("page-client-harness.js");
        start.ArgumentList.Add(Path.Combine(directory, "signalr-mini.js"));
        start.ArgumentList.Add(httpBase.Authority);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var client = new NodePageClient(process);
        string first = await client.NextLineAsync().ConfigureAwait(false);
        Assert.Equal("READY", first);
        return client;
    }

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
