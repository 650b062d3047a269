using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Kcp.Packaging.Tests.Infrastructure;

namespace Kcp.Packaging.Tests;

/// <summary>
/// tests/Kcp.Aot.App published once with Native AOT (PublishAot=true) into a temp folder, with its own artifacts
/// (bin/obj of the app and of both libraries), so the publish never touches the build the other tests run from.
/// </summary>
public sealed partial class NativeAotPublish : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("kcp-aot-");

    /// <summary>The publish command's output.</summary>
    public string Output { get; private set; } = "";

    public int ExitCode { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    /// <summary>The published folder: the native binary, appsettings.json.</summary>
    public string Directory => _temp.Combine("publish");

    public string Binary => Path.Combine(Directory, "Kcp.Aot.App");

    /// <summary>Every trim (IL2xxx) and AOT (IL3xxx) warning of the publish, one a line, without the project suffix.</summary>
    public IReadOnlyList<string> TrimAndAotWarnings =>
        Output.Split('\n')
            .Select(line => ProjectSuffix().Replace(line.Trim(), ""))
            .Where(line => TrimOrAotWarning().IsMatch(line))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    public async Task InitializeAsync()
    {
        string rid = RuntimeInformation.RuntimeIdentifier;
        ChildProcess publish = await ChildProcess.RunDotnetAsync(RepositoryPaths.Root, TestTimeouts.Build, environment: null,
            "publish", RepositoryPaths.AotApp, "-c", "Release", "-r", rid, "-o", Directory, "--artifacts-path", _temp.Combine("artifacts"));
        await using (publish)
        {
            Output = publish.Output;
            ExitCode = publish.ExitCode;
            Elapsed = publish.Elapsed;
        }
    }

    /// <summary>Fails the calling test with the publish output unless the publish made a native binary.</summary>
    public void AssertPublished()
    {
        Assert.True(ExitCode == 0, $"dotnet publish (Native AOT) exited with {ExitCode}:\n{Output}");
        Assert.Contains("Generating native code", Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Binary), $"No native binary at {Binary}:\n{Output}");
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    // ILLink and ILC print " [/path/to/Project.csproj]" after each warning: a path that may contain any name.
    [GeneratedRegex(@"\s\[[^\]]*\.csproj(::[^\]]*)?\]$")]
    private static partial Regex ProjectSuffix();

    [GeneratedRegex(@"\bwarning IL[23]\d{3}\b")]
    private static partial Regex TrimOrAotWarning();
}
