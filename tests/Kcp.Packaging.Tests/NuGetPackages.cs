using System.Text.RegularExpressions;
using Kcp.Packaging.Tests.Infrastructure;

namespace Kcp.Packaging.Tests;

/// <summary>
/// Kcp.Transport and Kcp.AspNetCore packed once, as CI packs them (CI=true: a deterministic build), into a temp
/// folder used as a local feed. Their own artifacts folder keeps the packs away from the build the other tests use.
/// </summary>
public sealed partial class NuGetPackages : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("kcp-pack-");

    // Inside the repository (artifacts/ is ignored by git) so that the files the build generates under obj/ are under
    // the source root too, which ContinuousIntegrationBuild maps to /_/ like the sources.
    private readonly TempDirectory _artifacts = new(Path.Combine(RepositoryPaths.Root, "artifacts"), "pack-");

    public string Feed => _temp.Combine("feed");

    public string Output { get; private set; } = "";

    public int ExitCode { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    /// <summary>The packages' version, as MinVer computed it from git (both packages share it).</summary>
    public string Version { get; private set; } = "";

    /// <summary>The commit the packages were built from (git rev-parse HEAD).</summary>
    public string Commit { get; private set; } = "";

    /// <summary>Folders the consumer test may create (its project, its NuGet cache).</summary>
    public string Scratch(string name) => _temp.Combine(name);

    public async Task InitializeAsync()
    {
        var ci = new Dictionary<string, string> { ["CI"] = "true" };
        foreach (string project in new[] { "Kcp.Transport", "Kcp.AspNetCore" })
        {
            ChildProcess pack = await ChildProcess.RunDotnetAsync(RepositoryPaths.Root, TestTimeouts.Build, ci,
                "pack", RepositoryPaths.Source(project), "-c", "Release", "-o", Feed, "--artifacts-path", _artifacts.Path);
            await using (pack)
            {
                Output += pack.Output + "\n";
                Elapsed += pack.Elapsed;
                ExitCode = pack.ExitCode;
            }

            if (ExitCode != 0)
            {
                return;
            }
        }

        Version = Directory.EnumerateFiles(Feed, "Kcp.AspNetCore.*.nupkg")
            .Select(file => PackageVersion().Match(Path.GetFileName(file)))
            .Single(match => match.Success).Groups["version"].Value;

        ChildProcess git = ChildProcess.Start("git", ["rev-parse", "HEAD"], RepositoryPaths.Root);
        await using (git)
        {
            await git.WaitForExitAsync();
            Commit = git.Output.Trim();
        }
    }

    /// <summary>Fails the calling test with the pack output unless both packs succeeded.</summary>
    public void AssertPacked()
    {
        Assert.True(ExitCode == 0 && Version.Length > 0, $"dotnet pack exited with {ExitCode}:\n{Output}");
        Assert.Matches("^[0-9a-f]{40}$", Commit);
    }

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public string SymbolPackage(string id) => Path.Combine(Feed, $"{id}.{Version}.snupkg");

    public Task DisposeAsync()
    {
        _artifacts.Dispose();
        _temp.Dispose();
        return Task.CompletedTask;
    }

    [GeneratedRegex(@"^Kcp\.AspNetCore\.(?<version>\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)\.nupkg$")]
    private static partial Regex PackageVersion();
}
