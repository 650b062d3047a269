using System.Globalization;

namespace Kcp.Benchmarks.Tools;

/// <summary>What /proc says about the listener process a tool measures against (Linux); 0 for pid 0 (not given).</summary>
internal static class ServerProcess
{
    /// <summary>utime + stime of /proc/PID/stat, in seconds (USER_HZ is 100 on Linux).</summary>
    public static double CpuSeconds(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Resident memory (VmRSS) in KiB.</summary>
    public static long RssKb(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
