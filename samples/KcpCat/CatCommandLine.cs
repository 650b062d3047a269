using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace KcpCat;

/// <summary>
/// kcpcat's command line, parsed by System.CommandLine: the verbs <c>listen</c>, <c>dial</c> and <c>relay</c>, flags
/// under kcptun's names (<c>--crypt aes</c>, <c>--datashard 10</c>; <c>--name=value</c> works too), booleans bare or
/// with a value as kcptun and our scripts write them (<c>--streammode</c>, <c>--streammode false</c>), <c>--help</c>
/// on every verb, and errors that name the flag or word that was not understood.
/// </summary>
internal sealed class CatCommandLine
{
    /// <summary>The exit code of a command line that did not parse or whose settings are invalid.</summary>
    public const int UsageErrorExitCode = 2;

    private static readonly CatCommandLine Instance = new();

    // Run and benchmark role (listen, dial).
    private readonly Option<string> _mode = Choice("--mode", "Benchmark role; without it the session is piped to stdin/stdout like netcat.", "echo", "sink", "source");
    private readonly Option<long> _bytes = Number<long>("--bytes", "N", "Bytes of the deterministic test stream to send or expect.");
    private readonly Option<int> _sessions = Number<int>("--sessions", "K", "dial: K sessions at once (benchmark modes).", defaultValue: 1);
    private readonly Option<double> _timeout = Number<double>("--timeout", "S", "Seconds before giving up.", defaultValue: 60);
    private readonly Option<int> _datagrams = Number<int>("--datagrams", "N", "dial: also send N unreliable datagrams (kcp-go's OOB), about one a millisecond; an echo listener sends them back.");
    private readonly Option<int> _datagramSize = Number<int>("--datagram-size", "B", "dial: bytes per datagram (at most the session's MaxDatagramSize).", defaultValue: 64);
    private readonly Option<int> _datagramQueue = Number<int>("--datagram-queue", "N", "Received datagrams a session keeps until read (KcpOptions.DatagramQueueLength, default 64).");
    private readonly Option<int> _datagramInterval = Number<int>("--datagram-interval", "US", "dial: microseconds between datagrams (0: as fast as they go).", defaultValue: 1000);

    // KCP settings (listen, dial), kcptun's names.
    private readonly Option<string> _crypt = Text("--crypt", "NAME", "Packet cipher: kcptun's names incl. aes-128-gcm; null (default) = no crypto layer at all.");
    private readonly Option<string> _key = Text("--key", "KEY", "Pre-shared passphrase (default: kcptun's).");
    private readonly Option<int> _dataShards = Number<int>("--datashard", "N", "Reed-Solomon FEC data shards (0 with --parityshard 0: off).");
    private readonly Option<int> _parityShards = Number<int>("--parityshard", "M", "Reed-Solomon FEC parity shards.");
    private readonly Option<string> _preset = Choice("--mode-preset", "kcptun's --mode; explicit --nodelay --interval --resend --nc win over it.", "normal", "fast", "fast2", "fast3");
    private readonly Option<int> _noDelay = Number<int>("--nodelay", "0|1", "KCP nodelay.");
    private readonly Option<int> _interval = Number<int>("--interval", "MS", "KCP flush interval.");
    private readonly Option<int> _resend = Number<int>("--resend", "N", "Fast resend after N duplicate ACKs (0: off).");
    private readonly Option<int> _noCongestion = Number<int>("--nc", "0|1", "1: no congestion window.");
    private readonly Option<int> _sendWindow = Number<int>("--sndwnd", "N", "Send window, in segments.");
    private readonly Option<int> _receiveWindow = Number<int>("--rcvwnd", "N", "Receive window, in segments.");
    private readonly Option<int> _mtu = Number<int>("--mtu", "N", "UDP payload size, FEC and crypto headers included.");
    private readonly Option<bool> _streamMode = Switch("--streammode", "Stream mode (default true); bare means true.");
    private readonly Option<bool> _ackNoDelay = Switch("--acknodelay", "ACK at once instead of with the next flush; bare means true.");
    private readonly Option<int> _dscp = Number<int>("--dscp", "N", "DSCP of outgoing datagrams (0 to 63).");
    private readonly Option<int> _copies = Number<int>("--copies", "N", "Copies of each unacknowledged segment later datagrams carry in their spare room (0 to 8; ours, not kcptun's).");
    private readonly Option<string> _socketBackend = Choice("--socket-backend", "Socket backend (KcpOptions.SocketBackend).", "auto", "portable", "batched", "offload");

    // Admission limits of a listener, for load tests from one address.
    private readonly Option<double> _sessionRate = Number<double>("--session-rate", "N", "listen: new sessions/s per address prefix (0: unlimited).");
    private readonly Option<int> _sessionBurst = Number<int>("--session-burst", "N", "listen: new-session burst per address prefix.");
    private readonly Option<int> _maxUnvalidated = Number<int>("--max-unvalidated", "N", "listen: unvalidated sessions, over all addresses and per prefix.");
    private readonly Option<int> _backlog = Number<int>("--backlog", "N", "listen: sessions waiting to be accepted (KcpOptions.AcceptBacklog).");

    // The relay's faults.
    private readonly Option<double> _loss = Probability("--loss", "Independent loss per datagram.");
    private readonly Option<double> _burstEnter = Probability("--burst-enter", "Gilbert-Elliott: entering the bad state, per datagram.");
    private readonly Option<double> _burstExit = Probability("--burst-exit", "Gilbert-Elliott: leaving the bad state, per datagram (default 0.5).");
    private readonly Option<double> _burstLoss = Probability("--burst-loss", "Gilbert-Elliott: loss in the bad state (default 1).");
    private readonly Option<int> _delay = Number<int>("--delay", "MS", "Fixed one-way delay.");
    private readonly Option<int> _jitter = Number<int>("--jitter", "MS", "Uniform extra delay in [0, MS): reorders datagrams.");
    private readonly Option<double> _duplicate = Probability("--duplicate", "Sending a datagram twice.");
    private readonly Option<double> _corrupt = Probability("--corrupt", "Flipping one random bit.");
    private readonly Option<double> _truncate = Probability("--truncate", "Cutting a datagram short.");
    private readonly Option<long> _bandwidth = Number<long>("--bandwidth", "BYTES_PER_S", "Link rate (0: unlimited).");
    private readonly Option<int> _seed = Number<int>("--seed", "N", "Seed of the fault pattern.", defaultValue: 1);

    private readonly Argument<IPEndPoint> _address = Address("HOST:PORT", "Where to listen (port 0: a free one, printed in the listening event) or what to dial.");
    private readonly Argument<IPEndPoint> _relayListen = Address("LISTEN_HOST:PORT", "Where the relay listens.");
    private readonly Argument<IPEndPoint> _relayTarget = Address("TARGET_HOST:PORT", "Where it forwards to.");

    private readonly RootCommand _root;
    private readonly ParserConfiguration _configuration = new() { ResponseFileTokenReplacer = null }; // "--key @x" is a key, not a file

    private CatCommandLine()
    {
        Option[] session =
        [
            _mode, _bytes, _sessions, _timeout, _datagrams, _datagramSize, _datagramInterval, _datagramQueue, _crypt, _key, _dataShards, _parityShards, _preset, _noDelay, _interval,
            _resend, _noCongestion, _sendWindow, _receiveWindow, _mtu, _streamMode, _ackNoDelay, _dscp, _copies, _socketBackend,
            _sessionRate, _sessionBurst, _maxUnvalidated, _backlog,
        ];
        var listen = new Command("listen", "Accept KCP sessions. Without --mode the first session is piped to stdin/stdout; with one, every session plays the role until --timeout.");
        var dial = new Command("dial", "Open a KCP session. Without --mode stdin/stdout are piped through it; with one, play the listener's counterpart and print one JSON result line.");
        foreach (Command verb in new[] { listen, dial })
        {
            verb.Arguments.Add(_address);
            foreach (Option option in session)
            {
                verb.Options.Add(option);
            }
        }

        var relay = new Command("relay", "Forward UDP between two peers, injecting seeded faults; prints its counters every 5 s.");
        relay.Arguments.Add(_relayListen);
        relay.Arguments.Add(_relayTarget);
        foreach (Option option in new Option[] { _loss, _burstEnter, _burstExit, _burstLoss, _delay, _jitter, _duplicate, _corrupt, _truncate, _bandwidth, _seed, _timeout })
        {
            relay.Options.Add(option);
        }

        _root = new RootCommand("netcat for KCP, wire compatible with kcp-go and kcptun; also our interop and benchmark driver. Run 'kcpcat VERB --help' for a verb's flags.")
        {
            Subcommands = { listen, dial, relay },
        };
    }

    /// <summary>
    /// Parses <paramref name="args"/>. Returns the arguments to run with, or null when there is nothing to run: help
    /// (or the version) was printed to <paramref name="output"/> (<paramref name="exitCode"/> 0), or the command line
    /// or its KCP settings were wrong, each problem printed on a line of <paramref name="error"/>
    /// (<paramref name="exitCode"/> <see cref="UsageErrorExitCode"/>).
    /// </summary>
    public static CatArguments? Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error, out int exitCode)
    {
        ParseResult parse = Instance._root.Parse(args, Instance._configuration);
        if (parse.Action is HelpAction || (parse.Errors.Count == 0 && parse.Action is not null))
        {
            // --help wins over errors elsewhere on the line, as in most tools; --version and directives run too.
            exitCode = parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }

        var problems = new List<string>(parse.Errors.Select(e => e.Message));
        CatArguments? arguments = problems.Count == 0 ? Instance.Bind(parse) : null;
        if (arguments is not null && arguments.Verb != "relay")
        {
            problems.AddRange(arguments.Options.GetValidationErrors());
            problems.AddRange(DatagramProblems(arguments));
        }

        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                error.WriteLine($"kcpcat: {problem}");
            }

            error.WriteLine("Run 'kcpcat --help' or 'kcpcat VERB --help' for usage.");
            exitCode = UsageErrorExitCode;
            return null;
        }

        exitCode = 0;
        return arguments;
    }

    private static IEnumerable<string> DatagramProblems(CatArguments a)
    {
        if (a.Datagrams < 0 || a.DatagramSize < 0 || a.DatagramInterval < TimeSpan.Zero)
        {
            yield return $"--datagrams, --datagram-size and --datagram-interval must not be negative (were {a.Datagrams}, {a.DatagramSize}, {a.DatagramInterval.TotalMicroseconds}).";
        }

        if (a.Datagrams > 0 && (a.Verb != "dial" || a.Mode is null))
        {
            yield return "--datagrams is for dial with a --mode (echo sends them back).";
        }
    }

    private CatArguments Bind(ParseResult parse)
    {
        var timeout = TimeSpan.FromSeconds(parse.GetValue(_timeout));
        string verb = parse.CommandResult.Command.Name;
        if (verb == "relay")
        {
            return new CatArguments
            {
                Verb = verb,
                EndPoint = parse.GetRequiredValue(_relayListen),
                RelayTarget = parse.GetRequiredValue(_relayTarget),
                Timeout = timeout,
                Seed = parse.GetValue(_seed),
                Faults = new RelayFaults()
                    .Then(parse, _loss, (f, v) => f with { Loss = v })
                    .Then(parse, _burstEnter, (f, v) => f with { BurstEnter = v })
                    .Then(parse, _burstExit, (f, v) => f with { BurstExit = v })
                    .Then(parse, _burstLoss, (f, v) => f with { BurstLoss = v })
                    .Then(parse, _delay, (f, v) => f with { DelayMs = v })
                    .Then(parse, _jitter, (f, v) => f with { JitterMs = v })
                    .Then(parse, _duplicate, (f, v) => f with { Duplicate = v })
                    .Then(parse, _corrupt, (f, v) => f with { Corrupt = v })
                    .Then(parse, _truncate, (f, v) => f with { Truncate = v })
                    .Then(parse, _bandwidth, (f, v) => f with { BandwidthBytesPerSecond = v }),
            };
        }

        var o = new KcpOptions();
        Apply(parse, _preset, v => o.ApplyPreset(CatArguments.ParsePreset(v))); // first: explicit timers win over it
        Apply(parse, _noDelay, v => o.NoDelay = v);
        Apply(parse, _interval, v => o.Interval = v);
        Apply(parse, _resend, v => o.FastResend = v);
        Apply(parse, _noCongestion, v => o.NoCongestionWindow = v != 0);
        Apply(parse, _crypt, v => o.Crypt = v);
        Apply(parse, _key, v => o.Key = v);
        Apply(parse, _dataShards, v => o.DataShards = v);
        Apply(parse, _parityShards, v => o.ParityShards = v);
        Apply(parse, _sendWindow, v => o.SendWindow = v);
        Apply(parse, _receiveWindow, v => o.ReceiveWindow = v);
        Apply(parse, _mtu, v => o.Mtu = v);
        Apply(parse, _streamMode, v => o.StreamMode = v);
        Apply(parse, _ackNoDelay, v => o.AckNoDelay = v);
        Apply(parse, _dscp, v => o.Dscp = v);
        Apply(parse, _copies, v => o.RedundantCopies = v);
        Apply(parse, _datagramQueue, v => o.DatagramQueueLength = v);
        Apply(parse, _socketBackend, v => o.SocketBackend = CatArguments.ParseBackend(v));
        Apply(parse, _sessionRate, v => o.Security.NewSessionsPerSecondPerPrefix = v);
        Apply(parse, _sessionBurst, v => o.Security.NewSessionBurstPerPrefix = v);
        Apply(parse, _maxUnvalidated, v => (o.Security.MaxUnvalidatedSessions, o.Security.MaxUnvalidatedSessionsPerPrefix) = (v, v));
        Apply(parse, _backlog, v => o.AcceptBacklog = v);
        if (o.Crypt is not ("null" or "none") && string.IsNullOrEmpty(o.Key))
        {
            o.Key = CatArguments.KcptunDefaultKey;
        }

        return new CatArguments
        {
            Verb = verb,
            EndPoint = parse.GetRequiredValue(_address),
            Mode = parse.GetValue(_mode),
            Bytes = Given(parse, _bytes, -1L, (_, v) => v),
            Sessions = parse.GetValue(_sessions),
            Datagrams = parse.GetValue(_datagrams),
            DatagramSize = parse.GetValue(_datagramSize),
            DatagramInterval = TimeSpan.FromMicroseconds(parse.GetValue(_datagramInterval)),
            Timeout = timeout,
            Options = o,
        };
    }

    /// <summary>Runs <paramref name="apply"/> only for a flag given on the command line (a default never overrides a preset).</summary>
    private static void Apply<T>(ParseResult parse, Option<T> option, Action<T> apply)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            apply(parse.GetValue(option)!);
        }
    }

    private static TResult Given<T, TResult>(ParseResult parse, Option<T> option, TResult current, Func<TResult, T, TResult> with)
        => parse.GetResult(option) is { Implicit: false } ? with(current, parse.GetValue(option)!) : current;

    private static Option<T> Number<T>(string name, string helpName, string description, T? defaultValue = null)
        where T : struct
    {
        var option = new Option<T>(name) { HelpName = helpName, Description = description };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    private static Option<string> Text(string name, string helpName, string description)
        => new(name) { HelpName = helpName, Description = description };

    /// <summary>One of <paramref name="values"/>; the error names the flag (System.CommandLine's own names only the word).</summary>
    private static Option<string> Choice(string name, string description, params string[] values)
    {
        var option = new Option<string>(name) { HelpName = string.Join('|', values), Description = description };
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !values.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{name} must be {string.Join(", ", values[..^1])} or {values[^1]} (was '{value}').");
            }
        });
        return option;
    }

    /// <summary>A boolean as kcptun takes it (<c>--acknodelay</c>) or followed by true/false as our scripts write it.</summary>
    private static Option<bool> Switch(string name, string description)
        => new(name) { HelpName = "true|false", Description = description, Arity = ArgumentArity.ZeroOrOne };

    private static Option<double> Probability(string name, string description)
    {
        var option = new Option<double>(name) { HelpName = "P", Description = $"{description} Probability, 0 to 1." };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 1 or double.NaN)
            {
                result.AddError($"{name} must be a probability between 0 and 1 (was {result.Tokens[0].Value}).");
            }
        });
        return option;
    }

    private static Argument<IPEndPoint> Address(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string value = result.Tokens[0].Value;
            try
            {
                return CatArguments.ParseEndPoint(value);
            }
            catch (Exception e) when (e is FormatException or SocketException or ArgumentException)
            {
                result.AddError(e is FormatException ? e.Message : $"'{value}' does not resolve: {e.Message}");
                return null;
            }
        },
    };
}

/// <summary>Chains <see cref="RelayFaults"/> changes for the flags that were given.</summary>
internal static class RelayFaultsFlags
{
    /// <summary>Applies <paramref name="with"/> when <paramref name="option"/> was given.</summary>
    public static RelayFaults Then<T>(this RelayFaults faults, ParseResult parse, Option<T> option, Func<RelayFaults, T, RelayFaults> with)
        => parse.GetResult(option) is { Implicit: false } ? with(faults, parse.GetValue(option)!) : faults;
}
