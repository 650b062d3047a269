namespace GameLoop.Server;

/// <summary>The fixed tick: <see cref="GameWorld.TicksPerSecond"/> times a second, whatever the connections do.</summary>
internal sealed class GameTicker(GameWorld world) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / GameWorld.TicksPerSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                world.Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }
}
