using System.Globalization;
using System.Net;
using Kcp.Transport;

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

    public const string Usage = """
        usage: kcpcat listen|dial HOST:PORT [flags]
          --mode echo|sink|source   benchmark role (default: pipe stdin/stdout like netcat)
          --bytes N                 bytes of the test stream to send or expect
          --sessions K              dial: K sessions at once (benchmark modes)
          --timeout S               seconds before giving up (default 60)
          --crypt NAME --key KEY    packet cipher (kcptun names incl. aes-128-gcm; default null = none at all)
          --datashard N --parityshard M   Reed-Solomon FEC (default 0/0 = off)
          --mode-preset normal|fast|fast2|fast3
          --nodelay N --interval MS --resend N --nc 0|1
          --sndwnd N --rcvwnd N --mtu N --streammode true|false --acknodelay true|false --dscp N
        """;

    public static CatArguments Parse(string[] args)
    {
        if (args.Length < 2 || args[0] is not ("listen" or "dial"))
        {
            throw new FormatException(Usage);
        }

        var result = new CatArguments { Verb = args[0], EndPoint = ParseEndPoint(args[1]) };
        KcpOptions o = result.Options;
        int? nodelay = null, interval = null, resend = null, nc = null;
        for (int i = 2; i < args.Length; i++)
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

    private static KcpPreset ParsePreset(string value) => value switch
    {
        "normal" => KcpPreset.Normal,
        "fast" => KcpPreset.Fast,
        "fast2" => KcpPreset.Fast2,
        "fast3" => KcpPreset.Fast3,
        _ => throw new FormatException($"--mode-preset must be normal, fast, fast2 or fast3 (was '{value}')."),
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
