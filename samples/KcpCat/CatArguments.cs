using System.Globalization;
using System.Net;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace KcpCat;

/// <summary>kcpcat's command line: a verb, an address and kcptun-named flags.</summary>
internal sealed class CatArguments
{
    public required string Verb { get; init; }
    public required IPEndPoint EndPoint { get; init; }
    public string? Mode { get; private set; }
    public long Bytes { get; private set; } = -1;
    public int Sessions { get; private set; } = 1;
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(60);
    public KcpOptions Options { get; } = new();

    /// <summary>relay: where to forward to (the verb's address is where the relay listens).</summary>
    public IPEndPoint? RelayTarget { get; private init; }

    /// <summary>relay: the faults to inject.</summary>
    public RelayFaults Faults { get; private set; } = new();

    /// <summary>relay: the seed that makes a fault pattern reproducible.</summary>
    public int Seed { get; private set; } = 1;

    public const string Usage = """
        usage: kcpcat listen|dial HOST:PORT [flags]
               kcpcat relay LISTEN_HOST:PORT TARGET_HOST:PORT [fault flags]
          relay faults: --loss P --burst-enter P --burst-exit P --burst-loss P --delay MS --jitter MS
                        --duplicate P --corrupt P --truncate P --bandwidth BYTES_PER_S --seed N
          --mode echo|sink|source   benchmark role (default: pipe stdin/stdout like netcat)
          --bytes N                 bytes of the test stream to send or expect
          --sessions K              dial: K sessions at once (benchmark modes)
          --timeout S               seconds before giving up (default 60)
          --crypt NAME --key KEY    packet cipher (kcptun names incl. aes-128-gcm; default null = none at all)
          --datashard N --parityshard M   Reed-Solomon FEC (default 0/0 = off)
          --mode-preset normal|fast|fast2|fast3
          --nodelay N --interval MS --resend N --nc 0|1
          --sndwnd N --rcvwnd N --mtu N --streammode true|false --acknodelay true|false --dscp N
          listen admission: --session-rate N (new sessions/s per address prefix, 0 = unlimited)
                            --session-burst N --max-unvalidated N (over all addresses and per prefix)
        """;

    public static CatArguments Parse(string[] args)
    {
        if (args.Length < 2 || args[0] is not ("listen" or "dial" or "relay") || (args[0] == "relay" && args.Length < 3))
        {
            throw new FormatException(Usage);
        }

        bool relay = args[0] == "relay";
        var result = new CatArguments
        {
            Verb = args[0],
            EndPoint = ParseEndPoint(args[1]),
            RelayTarget = relay ? ParseEndPoint(args[2]) : null,
        };
        KcpOptions o = result.Options;
        int? nodelay = null, interval = null, resend = null, nc = null;
        for (int i = relay ? 3 : 2; i < args.Length; i++)
        {
            string flag = args[i];
            string value = i + 1 < args.Length ? args[++i] : throw new FormatException($"{flag} needs a value.");
            switch (flag)
            {
                case "--mode": result.Mode = value is "echo" or "sink" or "source" ? value : throw new FormatException($"--mode must be echo, sink or source (was '{value}')."); break;
                case "--bytes": result.Bytes = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sessions": result.Sessions = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--timeout": result.Timeout = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--crypt": o.Crypt = value; break;
                case "--key": o.Key = value; break;
                case "--datashard": o.DataShards = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--parityshard": o.ParityShards = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--mode-preset": o.ApplyPreset(ParsePreset(value)); break;
                case "--nodelay": nodelay = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--interval": interval = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--resend": resend = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--nc": nc = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sndwnd": o.SendWindow = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rcvwnd": o.ReceiveWindow = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--mtu": o.Mtu = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--streammode": o.StreamMode = bool.Parse(value); break;
                case "--acknodelay": o.AckNoDelay = bool.Parse(value); break;
                case "--dscp": o.Dscp = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--socket-backend": o.SocketBackend = ParseBackend(value); break;
                case "--session-rate": o.Security.NewSessionsPerSecondPerPrefix = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--session-burst": o.Security.NewSessionBurstPerPrefix = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--max-unvalidated":
                    o.Security.MaxUnvalidatedSessions = int.Parse(value, CultureInfo.InvariantCulture);
                    o.Security.MaxUnvalidatedSessionsPerPrefix = o.Security.MaxUnvalidatedSessions;
                    break;
                case "--loss": result.Faults = result.Faults with { Loss = Probability(flag, value) }; break;
                case "--burst-enter": result.Faults = result.Faults with { BurstEnter = Probability(flag, value) }; break;
                case "--burst-exit": result.Faults = result.Faults with { BurstExit = Probability(flag, value) }; break;
                case "--burst-loss": result.Faults = result.Faults with { BurstLoss = Probability(flag, value) }; break;
                case "--delay": result.Faults = result.Faults with { DelayMs = int.Parse(value, CultureInfo.InvariantCulture) }; break;
                case "--jitter": result.Faults = result.Faults with { JitterMs = int.Parse(value, CultureInfo.InvariantCulture) }; break;
                case "--duplicate": result.Faults = result.Faults with { Duplicate = Probability(flag, value) }; break;
                case "--corrupt": result.Faults = result.Faults with { Corrupt = Probability(flag, value) }; break;
                case "--truncate": result.Faults = result.Faults with { Truncate = Probability(flag, value) }; break;
                case "--bandwidth": result.Faults = result.Faults with { BandwidthBytesPerSecond = long.Parse(value, CultureInfo.InvariantCulture) }; break;
                case "--seed": result.Seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new FormatException($"Unknown flag {flag}.\n{Usage}");
            }
        }

        // Explicit tuning flags override the preset, as kcptun's hidden flags do in manual mode.
        o.NoDelay = nodelay ?? o.NoDelay;
        o.Interval = interval ?? o.Interval;
        o.FastResend = resend ?? o.FastResend;
        o.NoCongestionWindow = nc is null ? o.NoCongestionWindow : nc != 0;
        if (o.Crypt is not ("null" or "none") && string.IsNullOrEmpty(o.Key))
        {
            o.Key = "it's a secrect"; // kcptun's default key
        }

        return result;
    }

    private static double Probability(string flag, string value)
    {
        double p = double.Parse(value, CultureInfo.InvariantCulture);
        return p is >= 0 and <= 1 ? p : throw new FormatException($"{flag} must be a probability between 0 and 1 (was {value}).");
    }

    private static KcpPreset ParsePreset(string value) => value switch
    {
        "normal" => KcpPreset.Normal,
        "fast" => KcpPreset.Fast,
        "fast2" => KcpPreset.Fast2,
        "fast3" => KcpPreset.Fast3,
        _ => throw new FormatException($"--mode-preset must be normal, fast, fast2 or fast3 (was '{value}')."),
    };

    private static KcpSocketBackend ParseBackend(string value) => value switch
    {
        "auto" => KcpSocketBackend.Auto,
        "portable" => KcpSocketBackend.Portable,
        "batched" => KcpSocketBackend.Batched,
        "offload" => KcpSocketBackend.BatchedWithOffload,
        _ => throw new FormatException($"--socket-backend must be auto, portable, batched or offload (was '{value}')."),
    };

    private static IPEndPoint ParseEndPoint(string value)
    {
        if (IPEndPoint.TryParse(value, out IPEndPoint? endPoint))
        {
            return endPoint;
        }

        int colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            string host = value[..colon];
            IPAddress address = host == "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host)[0];
            return new IPEndPoint(address, port);
        }

        throw new FormatException($"'{value}' is not HOST:PORT.");
    }
}
