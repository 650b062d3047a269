using System.Net;

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

        // The client reads the same appsettings.json as the server: both ends must agree on crypt, key and FEC.
        IConfiguration configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var settings = KcpChatSettings.From(configuration);
        IPEndPoint server = arguments.Server ?? new IPEndPoint(settings.IPAddress, settings.Port);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        return arguments.Bots > 0
            ? await ChatBots.RunAsync(server, settings, arguments, stop.Token).ConfigureAwait(false)
            : await InteractiveChat.RunAsync(server, settings, arguments.Name, stop.Token).ConfigureAwait(false);
    }
}
