using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kcp.Transport.Tests.Support;

/// <summary>
/// A network namespace of a test's own (Linux, root): its loopback is up and isolated from every other test's, so its
/// queueing discipline can be shaped. Sockets created by <see cref="Inside"/> belong to it; the threads that use them
/// later need not. Deleted on disposal (sockets still open keep it alive until they close).
/// </summary>
internal sealed partial class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Creates <paramref name="prefix"/>-PID-N with its loopback up.</summary>
    public static NetworkNamespace Create(string prefix)
    {
        Assert.True(OperatingSystem.IsLinux(), "network namespaces need Linux");
        var ns = new NetworkNamespace($"{prefix}-{Environment.ProcessId}-{Random.Shared.Next(100_000)}");
        Ip($"netns add {ns.Name}");
        try
        {
            ns.Exec("ip link set lo up");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command line inside the namespace and fails the test if it fails.</summary>
    public void Exec(string commandLine) => Ip($"netns exec {Name} {commandLine}");

    /// <summary>Runs <paramref name="create"/> on a thread of its own that entered the namespace: the sockets it binds live there.</summary>
    public T Inside<T>(Func<T> create)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using SafeFileHandle handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw failure;
        }

        return result;
    }

    public void Dispose()
    {
        try
        {
            Ip($"netns del {Name}");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void Ip(string arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(30_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments} failed: {error}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
