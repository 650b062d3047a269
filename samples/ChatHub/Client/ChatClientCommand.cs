using Kcp.AspNetCore;

namespace ChatHubSample.Client;

/// <summary>Entry point of the client mode: reads the arguments and the shared configuration, then chats or runs bots.</summary>
internal static class ChatClientCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (!ChatClientArguments.TryParse(args, out ChatClientArguments arguments, out string? error))
        {
            if (!string.IsNullOrEmpty(error))
            {
                await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync(ChatClientArguments.Usage).ConfigureAwait(false);
            return string.IsNullOrEmpty(error) ? 0 : 2;
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

        if (arguments.BenchSeconds > 0 || arguments.Pings > 0)
        {
            return await ChatMeasurement.RunAsync(server, arguments, stop.Token).ConfigureAwait(false);
        }

        return arguments.Bots > 0
            ? await ChatBots.RunAsync(server, arguments, stop.Token).ConfigureAwait(false)
            : await InteractiveChat.RunAsync(server, arguments.Name, stop.Token).ConfigureAwait(false);
    }
}
