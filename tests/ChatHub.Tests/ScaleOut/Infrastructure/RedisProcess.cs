using ChatHub.Tests.Infrastructure;

namespace ChatHub.Tests.ScaleOut.Infrastructure;

/// <summary>
/// A real redis-server on a loopback port with the recipe's deploy/redis.conf (nothing saved), the SignalR backplane
/// of the servers under test. It can be killed and started again on the same port.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chathub-redis-").FullName;
    private BoundedProcess? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    /// <summary>The backplane's connection string, as <c>ConnectionStrings:Redis</c> takes it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess(FreeTcpPort());
        try
        {
            await redis.StartProcessAsync();
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills redis (as a crash would) and starts a new, empty one on the same port.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await _process!.KillAsync();
        await _process.DisposeAsync();
        await Task.Delay(downtime);
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        _process = BoundedProcess.Start(
            "redis",
            ScaleOutTools.RedisServer,
            [Path.Combine(ScaleOutTools.DeployDirectory, "redis.conf"), "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", _directory],
            workingDirectory: _directory);
        await _process.WaitForLineAsync("Ready to accept connections");
    }
}
