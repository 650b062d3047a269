using System.Globalization;
using System.Net;
using Kcp.AspNetCore;

namespace GameLoop.Client;

/// <summary>
/// <c>GameLoop client [--server HOST:PORT] [--name NAME] [--seconds N]</c>: joins, walks a square (its input datagrams
/// at the tick rate), prints where everyone is once a second and what the others say; lines typed are chat.
/// </summary>
internal static class GameClientCommand
{
    private static readonly (sbyte Dx, sbyte Dy)[] Square = [(1, 0), (0, 1), (-1, 0), (0, -1)];

    public static async Task<int> RunAsync(string[] args)
    {
        string name = $"player{Environment.ProcessId % 1000}";
        IPEndPoint? serverAddress = null;
        double seconds = 0;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--name": name = args[i + 1]; break;
                case "--server": serverAddress = IPEndPoint.Parse(args[i + 1]); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    await Console.Error.WriteLineAsync($"unknown flag {args[i]}; usage: GameLoop client [--server HOST:PORT] [--name NAME] [--seconds N]").ConfigureAwait(false);
                    return 2;
            }
        }

        // Both ends read Kcp:Endpoints:Game from the same appsettings.json: crypt and key must agree.
        IConfiguration configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        KcpEndPoint configured = configuration.GetKcpEndPoint("Game");
        KcpEndPoint server = serverAddress is null ? configured : new KcpEndPoint(serverAddress, configured.Options);

        using var stop = seconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await using var factory = new KcpConnectionFactory(configured.Options);
        await using GameClient game = await GameClient.JoinAsync(factory, server, name, stop.Token).ConfigureAwait(false);
        Console.WriteLine($"joined {server.IPEndPoint} as {name} (player {game.Id}); type a line to chat, Ctrl+C to leave");
        Task events = PrintEventsAsync(game);
        Task chat = Task.Run(() => ChatFromStdinAsync(game, stop.Token), CancellationToken.None);

        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / Server.GameWorld.TicksPerSecond));
        long ticks = 0;
        try
        {
            while (await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                (sbyte dx, sbyte dy) = Square[(int)(ticks / (2 * Server.GameWorld.TicksPerSecond) % Square.Length)];
                game.SendInput(dx, dy);
                if (++ticks % Server.GameWorld.TicksPerSecond == 0 && game.Latest is { } snapshot)
                {
                    Console.WriteLine($"tick {snapshot.Tick}: " + string.Join("  ", snapshot.Players.Select(p =>
                        $"{(p.Id == game.Id ? "you" : $"#{p.Id}")} ({p.X:0.0}, {p.Y:0.0})")));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine($"{game.SnapshotsReceived} snapshots received in {ticks / (double)Server.GameWorld.TicksPerSecond:0.#} s");
        await game.DisposeAsync().ConfigureAwait(false);
        await events.ConfigureAwait(false);
        return 0;
    }

    private static async Task PrintEventsAsync(GameClient game)
    {
        await foreach (string line in game.Events.ReadAllAsync().ConfigureAwait(false))
        {
            Console.WriteLine(line);
        }
    }

    private static async Task ChatFromStdinAsync(GameClient game, CancellationToken cancellationToken)
    {
        try
        {
            while (await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                await game.SayAsync(line, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }
}
