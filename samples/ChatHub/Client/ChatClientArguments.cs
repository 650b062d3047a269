using System.Net;

namespace ChatHubSample.Client;

/// <summary>What one run of the client mode was asked to do (made by <see cref="ChatClientCommandLine.Parse"/>).</summary>
internal sealed class ChatClientArguments
{
    public string Name { get; init; } = Environment.UserName;

    /// <summary>The KCP endpoint of the server; null means the address of Kcp:Endpoints:Chat:Url in configuration.</summary>
    public IPEndPoint? Server { get; init; }

    /// <summary>
    /// The hub's HTTP URL to fall back to where UDP is blocked (the server's web address, <c>/chat</c> added when it
    /// has no path); null: KCP only.
    /// </summary>
    public Uri? Fallback { get; init; }

    /// <summary>Number of bot clients; 0 runs the interactive client.</summary>
    public int Bots { get; init; }

    /// <summary>Milliseconds between two messages of one bot.</summary>
    public int IntervalMs { get; init; } = 1000;

    /// <summary>With <see cref="Bots"/>: seconds of a closed-loop measurement (each bot sends as fast as the hub answers); 0: none.</summary>
    public int BenchSeconds { get; init; }

    /// <summary>Round trips to time (one connection, one invocation at a time); 0: none.</summary>
    public int Pings { get; init; }
}
