using System.Diagnostics;
using System.Net;

namespace Kcp.LinkEmulator.Link;

/// <summary>
/// Two network namespaces, A (10.77.0.1/24) and B (10.77.0.2/24), each with a TUN device whose other end is this
/// process: everything A sends to B, TCP and UDP alike, crosses <see cref="LinkDirection"/> A→B, and back. The
/// devices are created here in the root namespace, then moved; the namespaces are deleted on dispose.
/// </summary>
internal sealed class LossyLink : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.77.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.77.0.2");

    // iproute2 lives in /usr/sbin (or /sbin), which a test host's PATH need not include.
    private static readonly string IpTool = new[] { "/usr/sbin/ip", "/sbin/ip" }.FirstOrDefault(File.Exists) ?? "ip";

    private readonly TunDevice _tunA;
    private readonly TunDevice _tunB;
    private readonly LinkDirection _aToB;
    private readonly LinkDirection _bToA;
    private bool _disposed;

    private LossyLink(string name, TunDevice tunA, TunDevice tunB, LinkSettings settings)
    {
        NamespaceA = name + "a";
        NamespaceB = name + "b";
        _tunA = tunA;
        _tunB = tunB;
        _aToB = new LinkDirection(name + " a>b", tunA, tunB, settings, seedSalt: 0x5A17);
        _bToA = new LinkDirection(name + " b>a", tunB, tunA, settings, seedSalt: 0x0B0A);
    }

    public string NamespaceA { get; }

    public string NamespaceB { get; }

    public LinkCounters AToB => _aToB.Counters;

    public LinkCounters BToA => _bToA.Counters;

    public LinkSettings Settings
    {
        get => _aToB.Settings;
        set
        {
            _aToB.Settings = value;
            _bToA.Settings = value;
        }
    }

    /// <summary>Both directions together.</summary>
    public LinkCountersSnapshot Snapshot() => AToB.Snapshot() + BToA.Snapshot();

    /// <summary>
    /// Creates the namespaces <paramref name="name"/>a and <paramref name="name"/>b (at most 12 characters, unique per
    /// run) and starts forwarding. Namespaces left by a crashed run of the same name are removed first.
    /// </summary>
    public static LossyLink Create(string name, LinkSettings settings)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("The link emulator needs Linux and root (network namespaces, /dev/net/tun).");
        }

        if (name.Length > 12)
        {
            throw new ArgumentException($"Link names have at most 12 characters (was '{name}').", nameof(name));
        }

        TryIp($"netns del {name}a");
        TryIp($"netns del {name}b");
        TunDevice? tunA = null;
        TunDevice? tunB = null;
        try
        {
            tunA = TunDevice.Create(name + "a");
            tunB = TunDevice.Create(name + "b");
            Configure(name + "a", tunA.Name, AddressA);
            Configure(name + "b", tunB.Name, AddressB);
            var link = new LossyLink(name, tunA, tunB, settings);
            link._aToB.Start();
            link._bToA.Start();
            return link;
        }
        catch
        {
            tunA?.Dispose();
            tunB?.Dispose();
            TryIp($"netns del {name}a");
            TryIp($"netns del {name}b");
            throw;
        }
    }

    /// <summary>The command line that runs <paramref name="command"/> inside a namespace (for <see cref="Process.Start(ProcessStartInfo)"/>).</summary>
    public static ProcessStartInfo InNamespace(string ns, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(IpTool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "netns", "exec", ns, fileName }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Sets a sysctl in both namespaces (each has its own TCP settings: congestion control, for one).</summary>
    public void SetSysctl(string key, string value)
    {
        foreach (string ns in new[] { NamespaceA, NamespaceB })
        {
            Ip($"netns exec {ns} sysctl -qw {key}={value}");
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _aToB.Dispose();
        _bToA.Dispose();
        _tunA.Dispose();
        _tunB.Dispose();
        TryIp($"netns del {NamespaceA}");
        TryIp($"netns del {NamespaceB}");
    }

    private static void Configure(string ns, string device, IPAddress address)
    {
        Ip($"netns add {ns}");
        Ip($"link set {device} netns {ns}");
        Ip($"-n {ns} link set lo up");
        Ip($"-n {ns} addr add {address}/24 dev {device}");
        Ip($"-n {ns} link set {device} up");
    }

    private static void Ip(string arguments)
    {
        (int code, string error) = RunIp(arguments);
        if (code != 0)
        {
            throw new IOException($"ip {arguments} failed ({code}): {error.Trim()}");
        }
    }

    private static void TryIp(string arguments) => RunIp(arguments);

    private static (int Code, string Error) RunIp(string arguments)
    {
        var start = new ProcessStartInfo(IpTool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            return (-1, "timed out");
        }

        return (process.ExitCode, error);
    }
}
