using System.Text;
using ChatHubSample.ScaleOut;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ChatHubSample;

/// <summary>Tells the person who started the server where to point a browser and the console client.</summary>
internal static partial class ServerBanner
{
    public static void Print(WebApplication app, string backplane)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var kcpEndPoints = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints;
        string server = kcpEndPoints.Count > 0 ? kcpEndPoints[0].IPEndPoint.ToString() : "(not bound)";

        var text = new StringBuilder();
        string name = app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value.ServerName;
        text.AppendLine($"ChatHub is running as server {name}.");
        foreach (KcpEndPoint endPoint in kcpEndPoints)
        {
            var options = endPoint.Options;
            text.AppendLine(options is null
                ? $"  KCP hub (UDP):  {endPoint.IPEndPoint}"
                : $"  KCP hub (UDP):  {endPoint.IPEndPoint}  crypt={options.Crypt} fec={options.DataShards}/{options.ParityShards} nodelay={options.NoDelay} interval={options.Interval}ms{(options.ReusePort ? " reuseport" : "")}");
        }

        string fallback = "";
        foreach (string address in addresses)
        {
            // Kestrel lists the KCP endpoint too (as http://kcp:/ip:port); only the TCP one serves the page.
            if (!address.Contains("://kcp:/", StringComparison.Ordinal))
            {
                text.AppendLine($"  Web page:       {address}/   (WebSocket hub at {address}{ChatHub.Path}, stats at {address}/api/kcp-stats)");
                fallback = fallback.Length == 0 ? $" --fallback {address}" : fallback;
            }
        }

        text.AppendLine($"  Backplane:      {backplane}");
        text.AppendLine($"  Console client: dotnet run --project samples/ChatHub -- client --name alice --server {server}{fallback}");
        text.Append($"  Load test:      dotnet run --project samples/ChatHub -- client --bots 20 --server {server}");

        // Through the logger, not Console, so the banner does not interleave with the start-up log lines.
        LogBanner(app.Logger, text.ToString());
    }

    [LoggerMessage(1, LogLevel.Information, "{Banner}", EventName = "ChatHubStarted")]
    private static partial void LogBanner(ILogger logger, string banner);
}
