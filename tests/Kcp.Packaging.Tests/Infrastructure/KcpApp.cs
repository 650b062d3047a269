using System.Net;
using System.Security.Cryptography;
using Kcp.AspNetCore;
using Microsoft.Extensions.Configuration;

namespace Kcp.Packaging.Tests.Infrastructure;

/// <summary>
/// The test app (tests/Kcp.Aot.App: its Program.cs and appsettings.json, native or packaged) run as a process: it
/// prints "kcp listening on ip:port" once its configured endpoint Kcp:Endpoints:Api is bound. The client reads the
/// same appsettings.json, so both ends agree on crypt, key and FEC.
/// </summary>
internal sealed class KcpApp : IAsyncDisposable
{
    private const string ListeningPrefix = "kcp listening on ";

    private readonly ChildProcess _process;
    private readonly string _appSettings;

    private KcpApp(ChildProcess process, string appSettings)
    {
        _process = process;
        _appSettings = appSettings;
    }

    public string Output => _process.Output;

    /// <summary>Starts the app; <paramref name="appDirectory"/> holds its appsettings.json and is its content root.</summary>
    public static KcpApp Start(string fileName, IEnumerable<string> arguments, string appDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
        };
        return new KcpApp(ChildProcess.Start(fileName, arguments, appDirectory, env), Path.Combine(appDirectory, "appsettings.json"));
    }

    /// <summary>Waits for the endpoint and returns its address and the time from process start to it.</summary>
    public async Task<(IPEndPoint EndPoint, TimeSpan StartupTime)> WaitUntilListeningAsync()
    {
        string endPoint = await _process.WaitForLineAsync(ListeningPrefix);
        return (IPEndPoint.Parse(endPoint.Trim()), _process.Elapsed);
    }

    /// <summary>Waits for the app to exit on its own (a failed start) and returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> WaitForExitAsync()
    {
        await _process.WaitForExitAsync();
        return (_process.ExitCode, _process.Output);
    }

    /// <summary>GET / and POST /echo over KCP (HTTP/1.1 through KcpHttpHandler); returns the GET's text.</summary>
    public async Task<string> AskAsync(IPEndPoint endPoint)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddJsonFile(_appSettings).Build();
        KcpEndPoint api = configuration.GetKcpEndPoint("Api");
        using var http = new HttpClient(KcpHttpHandler.Create(endPoint, api.Options))
        {
            BaseAddress = new Uri("http://kcp-app"),
            Timeout = TestTimeouts.Default,
        };

        string hello = await http.GetStringAsync(new Uri("/", UriKind.Relative)).DefaultTimeout();

        byte[] body = RandomNumberGenerator.GetBytes(256 * 1024);
        using HttpResponseMessage echo = await http.PostAsync(new Uri("/echo", UriKind.Relative), new ByteArrayContent(body)).DefaultTimeout();
        echo.EnsureSuccessStatusCode();
        Assert.Equal(body, await echo.Content.ReadAsByteArrayAsync().DefaultTimeout());
        return hello;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
