using System.Net;
using System.Text;
using System.Threading.Channels;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;

namespace GameLoop.Client;

/// <summary>The latest positions the server sent, with the tick they belong to.</summary>
internal sealed record Snapshot(uint Tick, IReadOnlyList<PlayerState> Players);

/// <summary>
/// A player's side of the game: joins on the reliable stream, sends its stick as input datagrams, keeps the newest
/// snapshot datagram (an older one arriving late is ignored), and hands the stream's other lines to <see cref="Events"/>.
/// </summary>
internal sealed class GameClient : IAsyncDisposable
{
    private readonly ConnectionContext _connection;
    private readonly IKcpDatagramFeature _datagrams;
    private readonly StreamReader _reader;
    private readonly Channel<string> _events = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _snapshots;
    private readonly Task _lines;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Snapshot? _latest;
    private uint _inputSequence;
    private long _snapshotsReceived;
    private int _disposed;

    private GameClient(ConnectionContext connection, IKcpDatagramFeature datagrams, StreamReader reader, ushort id)
    {
        _connection = connection;
        _datagrams = datagrams;
        _reader = reader;
        Id = id;
        _snapshots = ReceiveSnapshotsAsync(_stop.Token);
        _lines = ReadLinesAsync(_stop.Token);
    }

    /// <summary>Our player's id.</summary>
    public ushort Id { get; }

    /// <summary>Stream lines after the welcome: <c>JOINED id name</c>, <c>LEFT id</c>, <c>CHAT id text</c>.</summary>
    public ChannelReader<string> Events => _events.Reader;

    /// <summary>The newest snapshot, or null before the first.</summary>
    public Snapshot? Latest => Volatile.Read(ref _latest);

    public long SnapshotsReceived => Interlocked.Read(ref _snapshotsReceived);

    /// <summary>Connects, sends <c>JOIN name</c> and waits for the welcome.</summary>
    public static async Task<GameClient> JoinAsync(IConnectionFactory factory, EndPoint server, string name, CancellationToken cancellationToken)
    {
        ConnectionContext connection = await factory.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        try
        {
            IKcpDatagramFeature datagrams = connection.Features.Get<IKcpDatagramFeature>()
                ?? throw new InvalidOperationException("The connection has no IKcpDatagramFeature: dial a KCP endpoint without smux.");
            await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes($"JOIN {name}\n"), cancellationToken).ConfigureAwait(false);
            var reader = new StreamReader(connection.Transport.Input.AsStream(), Encoding.UTF8);
            string? welcome = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (welcome is null || !welcome.StartsWith("WELCOME ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The server did not welcome us (it said '{welcome}').");
            }

            return new GameClient(connection, datagrams, reader, ushort.Parse(welcome.AsSpan(8), provider: null));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends the stick position as an input datagram; false when it did not leave (the connection closed).</summary>
    public bool SendInput(sbyte dx, sbyte dy)
    {
        Span<byte> datagram = stackalloc byte[GameMessages.InputSize];
        GameMessages.WriteInput(datagram, ++_inputSequence, dx, dy);
        return _datagrams.TrySendDatagram(datagram);
    }

    /// <summary>Says <paramref name="text"/> to everyone, on the reliable stream.</summary>
    public async Task SayAsync(string text, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes($"CHAT {text.ReplaceLineEndings(" ")}\n"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_snapshots, _lines).ConfigureAwait(false);
        _reader.Dispose();
        _stop.Dispose();
        _writeLock.Dispose();
    }

    private async Task ReceiveSnapshotsAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[1500];
        var players = new List<PlayerState>();
        try
        {
            while (true)
            {
                int length = await _datagrams.ReceiveDatagramAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (!GameMessages.TryReadSnapshot(buffer.AsSpan(0, length), out uint tick, players))
                {
                    continue;
                }

                Interlocked.Increment(ref _snapshotsReceived);
                Snapshot? latest = Latest;
                if (latest is null || tick > latest.Tick)
                {
                    Volatile.Write(ref _latest, new Snapshot(tick, [.. players]));
                }
                else if (tick == latest.Tick)
                {
                    // More players than one datagram holds: the tick's parts add up.
                    Volatile.Write(ref _latest, latest with { Players = [.. latest.Players, .. players] });
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
    }

    private async Task ReadLinesAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                _events.Writer.TryWrite(line);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }
}
