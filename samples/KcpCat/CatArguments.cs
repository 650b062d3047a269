using System.Globalization;
using System.Net;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace KcpCat;

/// <summary>What one kcpcat run was asked to do: a verb, its address(es), the benchmark role and the KCP settings.</summary>
/// <remarks>Made by <see cref="CatCommandLine.Parse"/> from a command line that parsed and validated.</remarks>
internal sealed class CatArguments
{
    /// <summary>The key kcptun uses when none is given.</summary>
    public const string KcptunDefaultKey = "it's a secrect";

    /// <summary><c>listen</c>, <c>dial</c> or <c>relay</c>.</summary>
    public required string Verb { get; init; }

    /// <summary>Where to listen (listen, relay) or what to dial (dial).</summary>
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>The benchmark role (<c>echo</c>, <c>sink</c>, <c>source</c>), or null for netcat piping.</summary>
    public string? Mode { get; init; }

    /// <summary>Bytes of the test stream to send or expect (-1: not given).</summary>
    public long Bytes { get; init; } = -1;

    /// <summary>dial: sessions run at once in a benchmark mode.</summary>
    public int Sessions { get; init; } = 1;

    /// <summary>How long the whole run may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>dial: unreliable datagrams to send beside the stream (0: none).</summary>
    public int Datagrams { get; init; }

    /// <summary>dial: bytes per datagram.</summary>
    public int DatagramSize { get; init; } = 64;

    /// <summary>dial: time between two datagrams (zero: as fast as they go).</summary>
    public TimeSpan DatagramInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The KCP settings of listen and dial.</summary>
    public KcpOptions Options { get; init; } = new();

    /// <summary>relay: where to forward to (the verb's address is where the relay listens).</summary>
    public IPEndPoint? RelayTarget { get; init; }

    /// <summary>relay: the faults to inject.</summary>
    public RelayFaults Faults { get; init; } = new();

    /// <summary>relay: the seed that makes a fault pattern reproducible.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>kcptun's <c>--mode</c> names (our <c>--mode-preset</c>).</summary>
    public static KcpPreset ParsePreset(string value) => value switch
    {
        "normal" => KcpPreset.Normal,
        "fast" => KcpPreset.Fast,
        "fast2" => KcpPreset.Fast2,
        "fast3" => KcpPreset.Fast3,
        _ => throw new FormatException($"--mode-preset must be normal, fast, fast2 or fast3 (was '{value}')."),
    };

    /// <summary>The names of <c>--socket-backend</c>.</summary>
    public static KcpSocketBackend ParseBackend(string value) => value switch
    {
        "auto" => KcpSocketBackend.Auto,
        "portable" => KcpSocketBackend.Portable,
        "batched" => KcpSocketBackend.Batched,
        "offload" => KcpSocketBackend.BatchedWithOffload,
        _ => throw new FormatException($"--socket-backend must be auto, portable, batched or offload (was '{value}')."),
    };

    /// <summary>HOST:PORT, with an IPv4 or bracketed IPv6 address, <c>localhost</c> or a name to resolve.</summary>
    /// <exception cref="FormatException">Not HOST:PORT.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The name does not resolve.</exception>
    public static IPEndPoint ParseEndPoint(string value)
    {
        if (IPEndPoint.TryParse(value, out IPEndPoint? endPoint))
        {
            return endPoint;
        }

        int colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= IPEndPoint.MaxPort)
        {
            string host = value[..colon];
            IPAddress address = host == "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host)[0];
            return new IPEndPoint(address, port);
        }

        throw new FormatException($"'{value}' is not HOST:PORT.");
    }
}
