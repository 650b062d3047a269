using GameLoop.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the game: the world, its tick and the connection handler.</summary>
internal static class GameLoopServiceCollectionExtensions
{
    public static IServiceCollection AddGameLoop(this IServiceCollection services)
    {
        services.AddSingleton<GameWorld>();
        services.AddHostedService<GameTicker>();
        return services;
    }
}
