using GameLoop.Client;
using GameLoop.Server;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;

// `GameLoop client ...` runs the console client instead of the server.
if (args.Length > 0 && string.Equals(args[0], "client", StringComparison.OrdinalIgnoreCase))
{
    return await GameClientCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddGameLoop();

// Kcp:Endpoints:Game in appsettings.json: its Url and KCP settings. The game is served raw on it: a connection handler,
// no HTTP. Positions go out as unreliable datagrams, joins, leaves and chat on each connection's reliable stream.
builder.WebHost.UseKcp(kcp => kcp.Endpoint("Game", listen => listen.UseConnectionHandler<GameConnectionHandler>()));

var app = builder.Build();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
    $"GameLoop server: {app.Configuration["Kcp:Endpoints:Game:Url"]}, {GameWorld.TicksPerSecond} ticks/s. Run 'dotnet run -- client' in another terminal."));
await app.RunAsync().ConfigureAwait(false);
return 0;
