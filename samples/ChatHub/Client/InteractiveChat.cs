using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>The console chat: prints what arrives, sends what is typed.</summary>
internal static class InteractiveChat
{
    public static async Task<int> RunAsync(KcpEndPoint server, ChatConnection connections, string name, CancellationToken stop)
    {
        IKcpTransportSelectionFeature? selection = null;
        await using var connection = connections.Create(s => selection = s);
        connection.On<string, string, string>(ChatHub.ReceiveMessage, (user, message, via) =>
            Console.WriteLine($"[{via}] {user}: {message}"));
        connection.On<string, string, string, string>(ChatHub.ReceiveGroupMessage, (group, user, message, via) =>
            Console.WriteLine($"[{via}] #{group} {user}: {message}"));
        connection.On<string, string>(ChatHub.JoinedGroup, (group, user) => Console.WriteLine($"* {user} joined #{group}"));
        connection.Reconnecting += e =>
        {
            Console.WriteLine($"* connection lost ({e?.Message ?? "closed"}), reconnecting...");
            return Task.CompletedTask;
        };
        connection.Reconnected += async _ =>
        {
            // Behind a load balancer the new connection may be on another server, and on another transport.
            string now = await connection.InvokeAsync<string>(nameof(ChatHub.GetServerName), stop).ConfigureAwait(false);
            Console.WriteLine($"* reconnected (server {now}, over {ChatConnection.Transport(selection)})");
        };

        Console.WriteLine($"Connecting to {server.IPEndPoint} over KCP as {name}...");
        await connection.StartAsync(stop).ConfigureAwait(false);
        string serverName = await connection.InvokeAsync<string>(nameof(ChatHub.GetServerName), stop).ConfigureAwait(false);
        string transport = ChatConnection.Transport(selection);
        Console.WriteLine(transport == "kcp"
            ? $"Connected to server {serverName} over KCP. Type a message, /join G, /leave G, /g G TEXT, /quit."
            : $"Connected to server {serverName} over {transport}: KCP did not answer (UDP blocked?). Type a message, /join G, /leave G, /g G TEXT, /quit.");

        while (!stop.IsCancellationRequested)
        {
            string? line = await Console.In.ReadLineAsync(stop).ConfigureAwait(false);
            if (line is null || line == "/quit")
            {
                break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                await SendAsync(connection, name, line, stop).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                // Not connected right now (reconnecting): say so and keep the prompt.
                Console.WriteLine($"* not sent: {e.Message}");
            }
        }

        await connection.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static Task SendAsync(HubConnection connection, string name, string line, CancellationToken stop)
    {
        string[] parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        return parts switch
        {
            ["/join", var group] => connection.InvokeAsync(nameof(ChatHub.JoinGroup), group, name, stop),
            ["/leave", var group] => connection.InvokeAsync(nameof(ChatHub.LeaveGroup), group, stop),
            ["/g", var group, var text] => connection.InvokeAsync(nameof(ChatHub.SendToGroup), group, name, text, stop),
            _ => connection.InvokeAsync(nameof(ChatHub.Send), name, line, stop),
        };
    }
}
