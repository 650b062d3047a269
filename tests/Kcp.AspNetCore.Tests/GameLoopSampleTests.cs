using GameLoop;
using GameLoop.Client;
using GameLoop.Server;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// The GameLoop sample (samples/GameLoop) in process: two players steer by input datagrams and each sees both move in
/// the snapshot datagrams of the server's tick; chat and leaving go on the reliable stream.
/// </summary>
public sealed class GameLoopSampleTests
{
    private static void Game(KcpOptions options)
    {
        options.Crypt = "aes-128-gcm";
        options.Key = "game loop test";
        options.ApplyPreset(KcpPreset.Fast3);
    }

    [Fact]
    public async Task TwoPlayers_MoveByDatagramsAndChatOnTheStream()
    {
        // Arrange
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listen => listen.UseConnectionHandler<GameConnectionHandler>(), Game, configureBuilder: builder => builder.Services.AddGameLoop(), withTcp: false);
        var options = new KcpOptions();
        Game(options);
        await using var factory = new KcpConnectionFactory(options);
        await using GameClient alice = await GameClient.JoinAsync(factory, host.KcpEndPoint, "alice", cts.Token);
        GameClient bob = await GameClient.JoinAsync(factory, host.KcpEndPoint, "bob", cts.Token);

        // Act: alice walks right, bob walks up, inputs at the tick rate, until alice sees both well away from the middle.
        Snapshot? seen = null;
        while (seen is null)
        {
            alice.SendInput(1, 0);
            bob.SendInput(0, 1);
            await Task.Delay(1000 / GameWorld.TicksPerSecond, cts.Token);
            if (alice.Latest is { Players.Count: 2 } snapshot
                && snapshot.Players.Single(p => p.Id == alice.Id).X > 55
                && snapshot.Players.Single(p => p.Id == bob.Id).Y > 55)
            {
                seen = snapshot;
            }
        }

        await bob.SayAsync("gg", cts.Token);
        string chat = await NextAsync(alice, line => line.StartsWith("CHAT", StringComparison.Ordinal), cts.Token);
        await bob.DisposeAsync();
        string left = await NextAsync(alice, line => line.StartsWith("LEFT", StringComparison.Ordinal), cts.Token);

        // Assert
        PlayerState a = seen.Players.Single(p => p.Id == alice.Id);
        PlayerState b = seen.Players.Single(p => p.Id == bob.Id);
        Assert.Equal(GameWorld.Size / 2, a.Y);   // alice never moved up or down
        Assert.Equal(GameWorld.Size / 2, b.X);
        Assert.True(a.LastInput > 0 && b.LastInput > 0);
        Assert.Equal($"CHAT {bob.Id} gg", chat);
        Assert.Equal($"LEFT {bob.Id}", left);
        Assert.True(bob.SnapshotsReceived > 0);
    }

    private static async Task<string> NextAsync(GameClient client, Func<string, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            string line = await client.Events.ReadAsync(cancellationToken);
            if (match(line))
            {
                return line;
            }
        }
    }
}
