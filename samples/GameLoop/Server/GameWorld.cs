using System.Threading.Channels;
using Kcp.AspNetCore;

namespace GameLoop.Server;

/// <summary>A player: where it is, the stick it holds, and its connection's datagrams and outgoing stream lines.</summary>
internal sealed class Player(ushort id, string name, IKcpDatagramFeature datagrams, ChannelWriter<string> outbox)
{
    public ushort Id => id;

    public string Name => name;

    public IKcpDatagramFeature Datagrams => datagrams;

    /// <summary>Lines for the reliable stream, written by the connection's writer loop (a pipe has one writer).</summary>
    public ChannelWriter<string> Outbox => outbox;

    public float X { get; set; } = GameWorld.Size / 2;

    public float Y { get; set; } = GameWorld.Size / 2;

    public sbyte Dx { get; set; }

    public sbyte Dy { get; set; }

    public uint LastInput { get; set; }
}

/// <summary>
/// The game's state, advanced by a fixed tick (<see cref="GameTicker"/>): each tick moves every player by the stick it
/// holds and sends everyone a snapshot datagram of all positions. Joins, leaves and chat are stream lines:
/// <c>WELCOME id</c>, <c>JOINED id name</c>, <c>LEFT id</c>, <c>CHAT id text</c>.
/// </summary>
internal sealed class GameWorld
{
    public const int TicksPerSecond = 20;
    public const float Size = 100;
    public const float Speed = 10;    // units per second

    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, Player> _players = [];
    private readonly byte[] _datagram = new byte[1500];
    private PlayerState[] _states = new PlayerState[16];
    private ushort _nextId;
    private uint _tick;

    public int PlayerCount
    {
        get
        {
            lock (_lock)
            {
                return _players.Count;
            }
        }
    }

    public Player Join(string name, IKcpDatagramFeature datagrams, ChannelWriter<string> outbox)
    {
        lock (_lock)
        {
            do
            {
                _nextId = (ushort)(_nextId == ushort.MaxValue ? 1 : _nextId + 1);
            }
            while (_players.ContainsKey(_nextId));

            var player = new Player(_nextId, name, datagrams, outbox);
            outbox.TryWrite($"WELCOME {player.Id}");
            foreach (Player other in _players.Values)
            {
                outbox.TryWrite($"JOINED {other.Id} {other.Name}");
            }

            _players.Add(player.Id, player);
            Broadcast($"JOINED {player.Id} {player.Name}");
            return player;
        }
    }

    public void Leave(Player player)
    {
        lock (_lock)
        {
            if (_players.Remove(player.Id))
            {
                Broadcast($"LEFT {player.Id}");
            }
        }
    }

    public void Chat(Player player, string text)
    {
        lock (_lock)
        {
            Broadcast($"CHAT {player.Id} {text}");
        }
    }

    /// <summary>A player's input datagram: the newest sequence number wins, late and repeated ones are ignored.</summary>
    public void OnInput(Player player, uint sequence, sbyte dx, sbyte dy)
    {
        lock (_lock)
        {
            if (sequence > player.LastInput)
            {
                (player.LastInput, player.Dx, player.Dy) = (sequence, dx, dy);
            }
        }
    }

    /// <summary>One tick: moves everyone, then sends everyone the positions (in as many datagrams as they need).</summary>
    public uint Tick()
    {
        lock (_lock)
        {
            _tick++;
            const float Step = Speed / TicksPerSecond;
            int count = 0;
            if (_states.Length < _players.Count)
            {
                _states = new PlayerState[_players.Count * 2];
            }

            foreach (Player p in _players.Values)
            {
                p.X = Math.Clamp(p.X + (p.Dx * Step), 0, Size);
                p.Y = Math.Clamp(p.Y + (p.Dy * Step), 0, Size);
                _states[count++] = new PlayerState(p.Id, p.X, p.Y, p.LastInput);
            }

            foreach (Player p in _players.Values)
            {
                int perDatagram = GameMessages.PlayersPerSnapshot(p.Datagrams.MaxDatagramSize);
                for (int first = 0; first < count; first += perDatagram)
                {
                    ReadOnlySpan<PlayerState> part = _states.AsSpan(first, Math.Min(perDatagram, count - first));
                    int length = GameMessages.WriteSnapshot(_datagram, _tick, part);

                    // Never waits: a full socket or a peer not yet validated drops it, and the next tick says it again.
                    p.Datagrams.TrySendDatagram(_datagram.AsSpan(0, length));
                }
            }

            return _tick;
        }
    }

    private void Broadcast(string line)
    {
        foreach (Player p in _players.Values)
        {
            p.Outbox.TryWrite(line);
        }
    }
}
