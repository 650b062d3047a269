using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatHub.Tests.Infrastructure;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests.ScaleOut.Infrastructure;

/// <summary>How a <see cref="ChatBackend"/> is started.</summary>
internal sealed record ChatBackendSettings
{
    /// <summary>The backplane (ConnectionStrings:Redis); null: a server alone.</summary>
    public RedisProcess? Redis { get; init; }

    /// <summary>The KCP port; 0: a free one.</summary>
    public int KcpPort { get; init; }

    /// <summary>Kcp:Endpoints:Chat:ReusePort.</summary>
    public bool ReusePort { get; init; }

    /// <summary>ChatHub:KeepAliveInterval (the hub's pings); the client timeout is three times as long.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// One ChatHub server as its own process (<c>dotnet ChatHub.dll</c>, the sample's appsettings.json and the recipe's
/// deploy/backend.env), as run-local.sh starts it; the endpoints it bound are read from its banner.
/// </summary>
internal sealed partial class ChatBackend : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };
    private readonly BoundedProcess _process;

    private ChatBackend(string name, BoundedProcess process, IPEndPoint kcp, Uri web)
    {
        Name = name;
        _process = process;
        KcpEndPoint = kcp;
        WebAddress = web;
    }

    /// <summary>ChatHub:ServerName, what the hub's GetServerName answers.</summary>
    public string Name { get; }

    public IPEndPoint KcpEndPoint { get; }

    /// <summary>The page's base address (WebSocket hub at /chat, stats at /api/kcp-stats).</summary>
    public Uri WebAddress { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public static async Task<ChatBackend> StartAsync(string name, ChatBackendSettings settings)
    {
        Dictionary<string, string> environment = ScaleOutTools.BackendEnvironment();
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["Logging__Console__FormatterName"] = "simple";
        environment["ChatHub__ServerName"] = name;
        environment["ChatHub__KeepAliveInterval"] = settings.KeepAlive.ToString("c", CultureInfo.InvariantCulture);
        environment["ChatHub__ClientTimeoutInterval"] = (settings.KeepAlive * 3).ToString("c", CultureInfo.InvariantCulture);
        environment["Kcp__Endpoints__Chat__Url"] = $"kcp://127.0.0.1:{settings.KcpPort}";
        environment["Kcp__Endpoints__Chat__ReusePort"] = settings.ReusePort ? "true" : "false";
        environment["Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0";
        if (settings.Redis is not null)
        {
            environment["ConnectionStrings__Redis"] = settings.Redis.ConnectionString;
        }

        BoundedProcess process = BoundedProcess.Start(name, "dotnet", [Path.Combine(AppContext.BaseDirectory, "ChatHub.dll")], environment);
        try
        {
            await process.WaitForLineAsync("Load test:");
            Match kcp = KcpLine().Match(process.Output);
            Match web = WebLine().Match(process.Output);
            Assert.True(kcp.Success && web.Success, $"{name}'s banner names no endpoints:\n{process.Output}");
            return new ChatBackend(name, process, IPEndPoint.Parse(kcp.Groups[1].Value), new Uri(web.Groups[1].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>A hub connection over KCP to <paramref name="address"/> (this backend, or a balancer in front of it) with the sample's settings.</summary>
    public static HubConnection KcpConnection(IPEndPoint address, TimeSpan keepAlive, Action<IHubConnectionBuilder>? configure = null)
    {
        IHubConnectionBuilder builder = new HubConnectionBuilder()
            .WithKcp(ScaleOutTools.ClientEndPoint(address))
            .WithKeepAliveInterval(keepAlive)
            .WithServerTimeout(keepAlive * 3 > TimeSpan.FromSeconds(6) ? keepAlive * 3 : TimeSpan.FromSeconds(6));
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>A hub connection over WebSockets to this backend's page endpoint, as the browser page makes.</summary>
    public HubConnection WebSocketConnection(TimeSpan keepAlive)
        => new HubConnectionBuilder()
            .WithUrl(new Uri(WebAddress, ChatHubSample.ChatHub.Path), HttpTransportType.WebSockets, options => options.SkipNegotiation = true)
            .WithKeepAliveInterval(keepAlive)
            .WithServerTimeout(keepAlive * 3 > TimeSpan.FromSeconds(6) ? keepAlive * 3 : TimeSpan.FromSeconds(6))
            .Build();

    /// <summary>The backend's <c>/api/kcp-stats</c>: its live KCP sessions and its transport counters.</summary>
    public async Task<(int ActiveSessions, long SessionsOpened, long ResetsSent)> GetKcpStatsAsync()
    {
        JsonElement stats = await Http.GetFromJsonAsync<JsonElement>(new Uri(WebAddress, "/api/kcp-stats")).WithTimeout();
        JsonElement transport = stats.GetProperty("transport");
        return (stats.GetProperty("activeSessions").GetInt32(), transport.GetProperty("passiveOpens").GetInt64(), transport.GetProperty("resetsSent").GetInt64());
    }

    /// <summary>Kills the process (SIGKILL: a crash; its clients hear nothing).</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"KCP hub \(UDP\):\s+(\S+)")]
    private static partial Regex KcpLine();

    [GeneratedRegex(@"Web page:\s+(http://\S+?)/\s")]
    private static partial Regex WebLine();
}
