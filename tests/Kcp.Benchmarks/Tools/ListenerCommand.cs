using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// The listeners `firstack` and `admission` start: named command lines (`--impl NAME=COMMAND`, by default our kcpcat
/// and kcp-go-peer from this repository) run as `COMMAND listen 127.0.0.1:0 …`, whose listening line gives the address.
/// A command's own flags (from its first --flag on) go after the verb: "kcpcat.dll --backlog 1024" runs
/// "kcpcat.dll listen … --backlog 1024".
/// </summary>
internal static class ListenerCommand
{
    /// <summary>NAME=COMMAND of an --impl argument.</summary>
    public static (string Name, string[] Command) Parse(string value)
    {
        int eq = value.IndexOf('=', StringComparison.Ordinal);
        return (value[..eq], value[(eq + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Ours (the repository's kcpcat) and kcp-go's peer (tests/GoPeer/build.sh).</summary>
    public static List<(string Name, string[] Command)> Defaults()
    {
        string root = RepositoryRoot();
        return
        [
            ("ours", ["dotnet", Path.Combine(root, "samples/KcpCat/bin/Release/net10.0/kcpcat.dll")]),
            ("kcp-go", [Path.Combine(root, "artifacts/gopeer/kcp-go-peer")]),
        ];
    }

    /// <summary>Starts <paramref name="command"/> listening on a free loopback port with <paramref name="flags"/>.</summary>
    public static Process Start(string[] command, params string[] flags)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        int own = Array.FindIndex(command, a => a.StartsWith("--", StringComparison.Ordinal)) is >= 0 and var f ? f : command.Length;
        foreach (string argument in command[1..own].Concat(["listen", "127.0.0.1:0", .. flags]).Concat(command[own..]))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>The address of the listening line a started listener prints first.</summary>
    public static async Task<IPEndPoint> ListeningAddressAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            Match match = Regex.Match(line, "\"event\":\"listening\",\"addr\":\"([^\"]+)\"");
            if (match.Success)
            {
                return IPEndPoint.Parse(match.Groups[1].Value);
            }
        }

        throw new IOException("The listener exited before it printed its address: " + await process.StandardError.ReadToEndAsync());
    }

    /// <summary>The folder holding Kcp.AspNetCore.sln, above this tool's binaries.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kcp.AspNetCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kcp.AspNetCore.sln not found above " + AppContext.BaseDirectory);
    }
}
