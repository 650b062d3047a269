using Kcp.AspNetCore;

namespace ChatHubSample.Client;

/// <summary>Entry point of the client mode: reads the arguments and the shared configuration, then chats or runs bots.</summary>
internal static class ChatClientCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        // --help prints usage (exit 0); a command line that does not parse names each problem (exit 2).
        if (ChatClientCommandLine.Parse(args, Console.Out, Console.Error, out int exitCode) is not { } arguments)
        {
            return exitCode;
        }

        // The client reads the server's endpoint from the same appsettings.json (and Kcp__... environment variables):
        // both ends must agree on crypt, key and FEC. --server changes only the address.
        IConfiguration configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        KcpEndPoint configured;
        try
        {
            configured = configuration.GetKcpEndPoint("Chat");
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 2;
        }

        KcpEndPoint server = arguments.Server is { } address ? new KcpEndPoint(address, configured.Options) : configured;

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await using var connections = new ChatConnection(server, arguments.Fallback);
        if (arguments.BenchSeconds > 0 || arguments.Pings > 0)
        {
            return await ChatMeasurement.RunAsync(server, connections, arguments, stop.Token).ConfigureAwait(false);
        }

        return arguments.Bots > 0
            ? await ChatBots.RunAsync(server, connections, arguments, stop.Token).ConfigureAwait(false)
            : await InteractiveChat.RunAsync(server, connections, arguments.Name, stop.Token).ConfigureAwait(false);
    }
}
