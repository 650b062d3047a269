using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using ChatHub.Tests.Infrastructure;

namespace ChatHub.Tests.ScaleOut.Infrastructure;

/// <summary>
/// Debian's nginx with its stream module as a UDP load balancer, run in the foreground (<c>daemon off</c>) from the
/// recipe's deploy/nginx.conf.template, filled in as run-local.sh fills it: the backends, a loopback port and the
/// idle timeout (<c>proxy_timeout</c>) under test.
/// </summary>
internal sealed class NginxBalancer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly BoundedProcess _process;

    private NginxBalancer(string directory, BoundedProcess process, IPEndPoint endPoint)
    {
        _directory = directory;
        _process = process;
        EndPoint = endPoint;
    }

    /// <summary>Where clients send: the balancer's UDP address.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>What nginx logged (to stderr).</summary>
    public string Output => _process.Output;

    /// <summary>Starts nginx in front of <paramref name="backends"/> with <paramref name="proxyTimeout"/> (nginx syntax: "30s").</summary>
    public static async Task<NginxBalancer> StartAsync(IEnumerable<IPEndPoint> backends, string proxyTimeout)
    {
        string nginx = ScaleOutTools.Nginx;
        string directory = Directory.CreateTempSubdirectory("chathub-nginx-").FullName;
        var endPoint = new IPEndPoint(IPAddress.Loopback, FreeUdpPort());
        var servers = new StringBuilder();
        foreach (IPEndPoint backend in backends)
        {
            servers.Append(CultureInfo.InvariantCulture, $"        server {backend} max_fails=1 fail_timeout=10s;\n");
        }

        string config = (await File.ReadAllTextAsync(Path.Combine(ScaleOutTools.DeployDirectory, "nginx.conf.template")))
            .Replace("@LOAD_MODULE@", await LoadModuleLineAsync(nginx), StringComparison.Ordinal)
            .Replace("@PREFIX@", directory, StringComparison.Ordinal)
            .Replace("@LISTEN@", endPoint.ToString(), StringComparison.Ordinal)
            .Replace("@PROXY_TIMEOUT@", proxyTimeout, StringComparison.Ordinal)
            .Replace("@BACKENDS@\n", servers.ToString(), StringComparison.Ordinal);
        Assert.DoesNotMatch(@"@[A-Z_]+@", config);
        string path = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(path, config);

        BoundedProcess process = BoundedProcess.Start("nginx", nginx, ["-e", "stderr", "-p", directory, "-c", path, "-g", "daemon off;"], workingDirectory: directory);
        var balancer = new NginxBalancer(directory, process, endPoint);
        try
        {
            await process.WaitForLineAsync("start worker process");
            return balancer;
        }
        catch
        {
            await balancer.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Debian builds the stream module as a dynamic module (libnginx-mod-stream): load it from nginx's module path.</summary>
    private static async Task<string> LoadModuleLineAsync(string nginx)
    {
        var start = new ProcessStartInfo(nginx, "-V") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string build = await process.StandardError.ReadToEndAsync().WithTimeout() + await stdout.WithTimeout();
        await process.WaitForExitAsync().WithTimeout();
        if (!build.Contains("--with-stream=dynamic", StringComparison.Ordinal))
        {
            return "";
        }

        string modules = build.Split(' ').FirstOrDefault(a => a.StartsWith("--modules-path=", StringComparison.Ordinal))?["--modules-path=".Length..].Trim()
            ?? "/usr/lib/nginx/modules";
        string module = Path.Combine(modules, "ngx_stream_module.so");
        Assert.True(File.Exists(module), $"{module} is missing: the scale-out tests need Debian's libnginx-mod-stream (tests/run installs it).");
        return $"load_module {module};";
    }
}
