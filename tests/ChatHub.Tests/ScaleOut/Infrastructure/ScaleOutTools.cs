using System.Net;
using ChatHub.Tests.Infrastructure;
using Kcp.AspNetCore;
using Microsoft.Extensions.Configuration;

namespace ChatHub.Tests.ScaleOut.Infrastructure;

/// <summary>
/// Where the scale-out tests find their peers and the recipe's files. redis-server and nginx (with its stream module)
/// are Debian packages that tests/run installs; a missing one fails the test, naming the package.
/// </summary>
internal static class ScaleOutTools
{
    /// <summary>samples/ChatHub/deploy, copied next to the tests.</summary>
    public static string DeployDirectory => Path.Combine(AppContext.BaseDirectory, "deploy");

    public static string RedisServer => Find("redis-server", "redis-server");

    public static string Nginx => Find("nginx", "nginx and libnginx-mod-stream");

    /// <summary>
    /// The KCP settings of the sample's <c>Kcp:Endpoints:Chat</c> (its appsettings.json): crypt, key, FEC and preset,
    /// which every backend and every client share.
    /// </summary>
    public static KcpEndPoint ClientEndPoint(IPEndPoint address)
        => new(address, new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json")
            .Build()
            .GetKcpEndPoint("Chat").Options);

    /// <summary>The recipe's settings for every backend (deploy/backend.env): KEY=VALUE lines, # comments.</summary>
    public static Dictionary<string, string> BackendEnvironment()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in File.ReadAllLines(Path.Combine(DeployDirectory, "backend.env")))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"backend.env: '{line}' is not KEY=VALUE");
            settings[line[..equals]] = line[(equals + 1)..];
        }

        return settings;
    }

    private static string Find(string program, string package)
    {
        string[] directories = [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries), "/usr/sbin", "/usr/bin"];
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"{program} is not installed: the scale-out tests need it (tests/run installs the Debian packages {package}).");
        return program;
    }
}
