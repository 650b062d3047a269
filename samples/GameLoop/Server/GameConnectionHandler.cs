using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;

namespace GameLoop.Server;

/// <summary>
/// One player's connection: the first stream line is <c>JOIN name</c>, later ones <c>CHAT text</c>; input datagrams
/// steer the player until the connection ends. The reliable stream and the datagrams run side by side, so a lost chat
/// segment being resent never holds a position back, and a lost position is never resent at all.
/// </summary>
internal sealed class GameConnectionHandler(GameWorld world, ILogger<GameConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        IKcpDatagramFeature datagrams = connection.Features.Get<IKcpDatagramFeature>()
            ?? throw new InvalidOperationException("GameConnectionHandler needs a KCP endpoint without smux (IKcpDatagramFeature).");
        CancellationToken closed = connection.ConnectionClosed;
        using var reader = new StreamReader(connection.Transport.Input.AsStream(), Encoding.UTF8);
        string? hello = await ReadLineAsync(reader, closed).ConfigureAwait(false);
        if (hello is null || !hello.StartsWith("JOIN ", StringComparison.Ordinal))
        {
            return;
        }

        var outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        Task writer = WriteLinesAsync(connection.Transport.Output, outbox.Reader, closed);
        Player player = world.Join(hello[5..].Trim(), datagrams, outbox.Writer);
        logger.LogInformation("{Name} joined as {Id} from {Remote}", player.Name, player.Id, connection.RemoteEndPoint);
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(closed);
        Task inputs = ReadInputsAsync(player, datagrams, leave.Token);
        try
        {
            while (await ReadLineAsync(reader, closed).ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith("CHAT ", StringComparison.Ordinal))
                {
                    world.Chat(player, line[5..]);
                }
            }
        }
        finally
        {
            world.Leave(player);
            logger.LogInformation("{Name} ({Id}) left", player.Name, player.Id);
            outbox.Writer.TryComplete();
            await leave.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(writer, inputs).ConfigureAwait(false);
        }
    }

    private async Task ReadInputsAsync(Player player, IKcpDatagramFeature datagrams, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1500];
        try
        {
            while (true)
            {
                int length = await datagrams.ReceiveDatagramAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (GameMessages.TryReadInput(buffer.AsSpan(0, length), out uint sequence, out sbyte dx, out sbyte dy))
                {
                    world.OnInput(player, sequence, dx, dy);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            // The connection ended.
        }
    }

    private static async Task WriteLinesAsync(PipeWriter output, ChannelReader<string> lines, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (string line in lines.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            return null;
        }
    }
}
