using System.Net;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// How a test suite reaches its KCP endpoint: straight over loopback with default settings, or through the seeded
/// <see cref="UdpFaultRelay"/> (loss, jitter, duplicates) with AES packet crypto and FEC 10/3 on both ends.
/// </summary>
public sealed class KcpTestLink
{
    private const string Key = "it's a secrect";

    private KcpTestLink(string name, Action<KcpOptions>? configure, RelayFaults? faults)
    {
        Name = name;
        Configure = configure;
        Faults = faults;
    }

    /// <summary>Plain KCP on loopback, no faults.</summary>
    public static KcpTestLink Direct { get; } = new("direct", null, null);

    /// <summary>AES + FEC 10/3 through a relay that drops 10 % of the datagrams each way, reorders (jitter) and duplicates.</summary>
    public static KcpTestLink LossyAesFec { get; } = new(
        "lossy-aes-fec",
        options =>
        {
            options.Crypt = "aes";
            options.Key = Key;
            options.DataShards = 10;
            options.ParityShards = 3;
        },
        new RelayFaults { Loss = 0.10, DelayMs = 1, JitterMs = 6, Duplicate = 0.01 });

    public string Name { get; }

    /// <summary>The KCP settings both ends use (null: the defaults).</summary>
    public Action<KcpOptions>? Configure { get; }

    internal RelayFaults? Faults { get; }

    /// <summary>Client options for this link.</summary>
    public KcpOptions ClientOptions(Action<KcpOptions>? more = null)
    {
        var options = new KcpOptions();
        Configure?.Invoke(options);
        more?.Invoke(options);
        return options;
    }

    /// <summary>Server options for this link, followed by <paramref name="more"/>; null when both are null (the endpoint's defaults).</summary>
    public Action<KcpOptions>? ServerOptions(Action<KcpOptions>? more = null)
        => Configure is null && more is null ? null : options =>
        {
            Configure?.Invoke(options);
            more?.Invoke(options);
        };

    /// <summary>
    /// Opens the path to <paramref name="server"/>: the relay in front of it, or nothing. <paramref name="trace"/> is
    /// told of each datagram's fate (see <see cref="RelayFaults.Trace"/>).
    /// </summary>
    internal KcpLinkPath Open(IPEndPoint server, int seed = 1, Action<bool, int, string>? trace = null)
        => Faults is null
            ? new KcpLinkPath(server, null)
            : new KcpLinkPath(server, new UdpFaultRelay(server, Faults with { Trace = trace }, seed));

    public override string ToString() => Name;
}

/// <summary>The address clients dial for one test (the server itself or the relay in front of it).</summary>
public sealed class KcpLinkPath : IAsyncDisposable
{
    private readonly UdpFaultRelay? _relay;

    internal KcpLinkPath(IPEndPoint server, UdpFaultRelay? relay)
    {
        _relay = relay;
        Target = relay?.EndPoint ?? server;
    }

    public IPEndPoint Target { get; }

    /// <summary>Datagrams the relay dropped so far (0 without a relay).</summary>
    public long Dropped => _relay?.Dropped ?? 0;

    /// <summary>The relay's counters in one line (both directions), or null without a relay.</summary>
    public string? Summary => _relay is { } relay
        ? $"relay: {relay.Forwarded} forwarded, {relay.Dropped} dropped, {relay.Duplicated} duplicated"
        : null;

    public ValueTask DisposeAsync() => _relay?.DisposeAsync() ?? ValueTask.CompletedTask;
}
