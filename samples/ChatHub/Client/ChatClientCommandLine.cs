using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Net;

namespace ChatHubSample.Client;

/// <summary>
/// The client mode's command line (<c>ChatHub client ...</c>), parsed by System.CommandLine as kcpcat's is: typed
/// options, <c>--help</c>, and errors that name the option or word that was not understood.
/// </summary>
internal sealed class ChatClientCommandLine
{
    /// <summary>The exit code of a command line that did not parse.</summary>
    public const int UsageErrorExitCode = 2;

    private static readonly ChatClientCommandLine Instance = new();

    private readonly Option<string> _name = new("--name") { HelpName = "NAME", Description = "Your name in the chat (default: the user name).", DefaultValueFactory = _ => Environment.UserName };
    private readonly Option<IPEndPoint> _server = new("--server")
    {
        HelpName = "ADDRESS:PORT",
        Description = "The hub's KCP endpoint (default: Kcp:Endpoints:Chat:Url of appsettings.json).",
        CustomParser = ParseServer,
    };

    private readonly Option<Uri> _fallback = new("--fallback")
    {
        HelpName = "URL",
        Description = "The server's web address (http://127.0.0.1:5080): where UDP is blocked, the client uses the hub there over WebSockets instead.",
        CustomParser = ParseFallback,
    };

    private readonly Option<int> _bots = AtLeast("--bots", "N", "N bot clients, each sending a message every --interval ms; Ctrl+C stops.", 1);
    private readonly Option<int> _interval = AtLeast("--interval", "MS", "Milliseconds between two messages of one bot.", 10, defaultValue: 1000);
    private readonly Option<int> _bench = AtLeast("--bench", "SECONDS", "With --bots: the bots send as fast as the hub answers for SECONDS, then one JSON line.", 1);
    private readonly Option<int> _ping = AtLeast("--ping", "COUNT", "COUNT round trips (GetServerName), one at a time, then one JSON line of their percentiles and the transport.", 1);
    private readonly RootCommand _root;

    private ChatClientCommandLine()
    {
        _root = new RootCommand(
            "The ChatHub console client. Interactive: type a line to broadcast it; /join G, /leave G, /g G TEXT (to a group), /quit.")
        {
            Options = { _name, _server, _fallback, _bots, _interval, _bench, _ping },
        };
        _root.Validators.Add(result =>
        {
            if (result.GetResult(_bench) is { Implicit: false } && result.GetResult(_bots) is null)
            {
                result.AddError("--bench needs --bots N (the connections that send).");
            }

            if (result.GetResult(_ping) is { Implicit: false } && result.GetResult(_bots) is not null)
            {
                result.AddError("--ping times one connection: leave out --bots.");
            }
        });
    }

    /// <summary>
    /// Parses <paramref name="args"/> (what follows <c>client</c>). Returns the arguments, or null when there is nothing
    /// to run: help was printed (<paramref name="exitCode"/> 0), or each problem was printed on a line of
    /// <paramref name="error"/> (<paramref name="exitCode"/> <see cref="UsageErrorExitCode"/>).
    /// </summary>
    public static ChatClientArguments? Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error, out int exitCode)
    {
        ParseResult parse = Instance._root.Parse(args);
        if (parse.Action is HelpAction || (parse.Errors.Count == 0 && parse.Action is not null))
        {
            // --help wins over errors elsewhere on the line; --version and directives run too.
            exitCode = parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (ParseError problem in parse.Errors)
            {
                error.WriteLine($"ChatHub client: {problem.Message}");
            }

            error.WriteLine("Run 'ChatHub client --help' for usage.");
            exitCode = UsageErrorExitCode;
            return null;
        }

        exitCode = 0;
        return new ChatClientArguments
        {
            Name = parse.GetValue(Instance._name)!,
            Server = parse.GetValue(Instance._server),
            Fallback = parse.GetValue(Instance._fallback),
            Bots = parse.GetValue(Instance._bots),
            IntervalMs = parse.GetValue(Instance._interval),
            BenchSeconds = parse.GetValue(Instance._bench),
            Pings = parse.GetValue(Instance._ping),
        };
    }

    private static Option<int> AtLeast(string name, string helpName, string description, int minimum, int? defaultValue = null)
    {
        var option = new Option<int>(name) { HelpName = helpName, Description = description };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum)
            {
                result.AddError($"{name} must be at least {minimum} (was {result.Tokens[0].Value}).");
            }
        });
        return option;
    }

    private static IPEndPoint? ParseServer(ArgumentResult result)
    {
        string value = result.Tokens[0].Value;
        if (IPEndPoint.TryParse(value, out IPEndPoint? server) && server.Port != 0)
        {
            return server;
        }

        result.AddError($"--server expects address:port, e.g. 127.0.0.1:5000 (was '{value}').");
        return null;
    }

    private static Uri? ParseFallback(ArgumentResult result)
    {
        string value = result.Tokens[0].Value;
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
        {
            result.AddError($"--fallback expects the server's web address, e.g. http://127.0.0.1:5080 (was '{value}').");
            return null;
        }

        // The page's address names the server; the hub is at /chat there.
        return url.AbsolutePath is "/" or "" ? new Uri(url, ChatHub.Path) : url;
    }
}
