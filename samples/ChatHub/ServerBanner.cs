using System.Text;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ChatHubSample;

/// <summary>Tells the person who started the server where to point a browser and the console client.</summary>
internal static partial class ServerBanner
{
    public static void Print(WebApplication app)
    {
        var kcp = KcpChatSettings.From(app.Configuration);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var kcpEndPoints = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints;
        string kcpAddress = kcpEndPoints.Count > 0 ? kcpEndPoints[0].IPEndPoint.ToString() : $"{kcp.Address}:{kcp.Port}";

        var text = new StringBuilder();
        text.AppendLine("ChatHub is running.");
        text.AppendLine($"  KCP hub (UDP):  {kcpAddress}  crypt={kcp.Crypt} fec={kcp.DataShards}/{kcp.ParityShards} preset={kcp.Preset}");
        foreach (string address in addresses)
        {
            // Kestrel lists the KCP endpoint as an http:// address too; only the TCP one serves the page.
            if (!address.Contains(kcpAddress, StringComparison.Ordinal) && !address.Contains("kcp", StringComparison.OrdinalIgnoreCase))
            {
                text.AppendLine($"  Web page:       {address}/   (WebSocket hub at {address}{ChatHub.Path}, stats at {address}/api/kcp-stats)");
            }
        }

        text.AppendLine($"  Console client: dotnet run --project samples/ChatHub -- client --name alice --server {kcpAddress}");
        text.Append($"  Load test:      dotnet run --project samples/ChatHub -- client --bots 20 --server {kcpAddress}");

        // Through the logger, not Console, so the banner does not interleave with the start-up log lines.
        LogBanner(app.Logger, text.ToString());
    }

    [LoggerMessage(1, LogLevel.Information, "{Banner}", EventName = "ChatHubStarted")]
    private static partial void LogBanner(ILogger logger, string banner);
}
