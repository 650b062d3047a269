using System.Net;

namespace ChatHubSample.Client;

/// <summary>
/// Command line of the client mode: <c>client [--name N] [--server host:port] [--bots N] [--interval ms]
/// [--bench seconds] [--ping count]</c>.
/// </summary>
internal sealed class ChatClientArguments
{
    public string Name { get; private set; } = Environment.UserName;

    /// <summary>The KCP endpoint of the server; null means the address of Kcp:Endpoints:Chat:Url in configuration.</summary>
    public IPEndPoint? Server { get; private set; }

    /// <summary>Number of bot clients; 0 runs the interactive client.</summary>
    public int Bots { get; private set; }

    /// <summary>Milliseconds between two messages of one bot.</summary>
    public int IntervalMs { get; private set; } = 1000;

    /// <summary>With <see cref="Bots"/>: seconds of a closed-loop measurement (each bot sends as fast as the hub answers); 0: none.</summary>
    public int BenchSeconds { get; private set; }

    /// <summary>Round trips to time (one connection, one invocation at a time); 0: none.</summary>
    public int Pings { get; private set; }

    /// <summary>Parses the arguments; returns false with an error message when they are invalid.</summary>
    public static bool TryParse(string[] args, out ChatClientArguments parsed, out string? error)
    {
        parsed = new ChatClientArguments();
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option is "-h" or "--help")
            {
                error = string.Empty;
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"Missing value after {option}.";
                return false;
            }

            string value = args[++i];
            switch (option)
            {
                case "--name":
                    parsed.Name = value;
                    break;
                case "--server":
                    if (!IPEndPoint.TryParse(value, out IPEndPoint? server) || server.Port == 0)
                    {
                        error = $"--server expects address:port (was '{value}').";
                        return false;
                    }

                    parsed.Server = server;
                    break;
                case "--bots":
                    if (!int.TryParse(value, out int bots) || bots < 1)
                    {
                        error = $"--bots expects a positive number (was '{value}').";
                        return false;
                    }

                    parsed.Bots = bots;
                    break;
                case "--interval":
                    if (!int.TryParse(value, out int interval) || interval < 10)
                    {
                        error = $"--interval expects milliseconds >= 10 (was '{value}').";
                        return false;
                    }

                    parsed.IntervalMs = interval;
                    break;
                case "--bench":
                    if (!int.TryParse(value, out int seconds) || seconds < 1)
                    {
                        error = $"--bench expects seconds >= 1 (was '{value}').";
                        return false;
                    }

                    parsed.BenchSeconds = seconds;
                    break;
                case "--ping":
                    if (!int.TryParse(value, out int pings) || pings < 1)
                    {
                        error = $"--ping expects a positive count (was '{value}').";
                        return false;
                    }

                    parsed.Pings = pings;
                    break;
                default:
                    error = $"Unknown option {option}.";
                    return false;
            }
        }

        if (parsed.BenchSeconds > 0 && parsed.Bots == 0)
        {
            error = "--bench needs --bots N (the connections that send).";
            return false;
        }

        if (parsed.Pings > 0 && parsed.Bots > 0)
        {
            error = "--ping times one connection: leave out --bots.";
            return false;
        }

        return true;
    }

    public const string Usage =
        "usage: ChatHub client [--name NAME] [--server ADDRESS:PORT] [--bots N] [--interval MS] [--bench SECONDS] [--ping COUNT]\n" +
        "  interactive: type a line to broadcast it; /join G, /leave G, /g G TEXT (to a group), /quit\n" +
        "  --bots N: N bot clients each sending a message every --interval ms (default 1000); Ctrl+C stops\n" +
        "  --bots N --bench S: the N bots send as fast as the hub answers for S seconds, then print one JSON line\n" +
        "  --ping N: N round trips (GetServerName), one at a time, then one JSON line of their percentiles";
}
