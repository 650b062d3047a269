using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace ChatHubSample.ScaleOut;

/// <summary>
/// The SignalR backplane of the sample: when <c>ConnectionStrings:Redis</c> is set, every server publishes its
/// broadcasts and group messages through Redis (Microsoft.AspNetCore.SignalR.StackExchangeRedis), so clients of any
/// server, over KCP or WebSockets, are in one chat. Without it the server is alone (in-memory lifetime manager).
/// </summary>
internal static class RedisBackplane
{
    /// <summary>The connection string's key (<c>ConnectionStrings:Redis</c>, or <c>ConnectionStrings__Redis</c> in the environment).</summary>
    public const string ConnectionStringName = "Redis";

    /// <summary>Prefix of the Redis channels, so that other applications can share the Redis server.</summary>
    public const string ChannelPrefix = "ChatHub";

    /// <summary>
    /// Adds the Redis backplane when the configuration names a Redis server; returns what the banner prints about it.
    /// An unreadable connection string stops the start-up naming the key.
    /// </summary>
    public static string AddIfConfigured(ISignalRServerBuilder signalR, IConfiguration configuration)
    {
        string? connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"none (one server alone; set ConnectionStrings:{ConnectionStringName} to scale out)";
        }

        ConfigurationOptions redis;
        try
        {
            redis = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not a Redis configuration string ({e.Message}).", e);
        }

        if (redis.EndPoints.Count == 0)
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} names no Redis server (e.g. 127.0.0.1:6379).");
        }

        // A server starts while Redis is down and keeps reconnecting (StackExchange.Redis restores the subscriptions),
        // so a restarted Redis costs the messages sent while it was away, not the servers.
        redis.AbortOnConnectFail = false;
        redis.ChannelPrefix = RedisChannel.Literal(ChannelPrefix);
        signalR.AddStackExchangeRedis(options => options.Configuration = redis);
        return $"redis {string.Join(", ", redis.EndPoints)} (channel prefix {ChannelPrefix})";
    }
}
