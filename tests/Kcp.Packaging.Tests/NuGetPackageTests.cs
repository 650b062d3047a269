using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Xml.Linq;
using Kcp.Packaging.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Kcp.Packaging.Tests;

/// <summary>
/// Issue 21 item 6: the packages carry what a user checks before trusting one (readme, license, authors, repository
/// and commit, symbols with source link, a deterministic build), and an app that only knows the package (a
/// PackageReference from a local feed, nuget.org for the rest) builds, runs and serves over KCP.
/// </summary>
public sealed class NuGetPackageTests(NuGetPackages packages, ITestOutputHelper output) : IClassFixture<NuGetPackages>
{
    // The SourceLink entry of a portable PDB (its CustomDebugInformation kind).
    private static readonly Guid s_sourceLink = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Theory]
    [InlineData("Kcp.Transport")]
    [InlineData("Kcp.AspNetCore")]
    public void Package_Nuspec_HasReadmeLicenseAuthorsRepositoryAndCommit(string id)
    {
        packages.AssertPacked();
        output.WriteLine($"dotnet pack (both): {packages.Elapsed.TotalSeconds:F0} s, version {packages.Version}");
        using ZipArchive package = ZipFile.OpenRead(packages.Package(id));
        string[] entries = [.. package.Entries.Select(e => e.FullName)];
        XElement metadata = ReadNuspec(package, id);

        Assert.Equal(id, Value(metadata, "id"));
        Assert.Equal(packages.Version, Value(metadata, "version"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "authors")));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        XElement license = Child(metadata, "license");
        Assert.Equal("expression", (string?)license.Attribute("type"));
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        XElement repository = Child(metadata, "repository");
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.StartsWith("https://", (string?)repository.Attribute("url"), StringComparison.Ordinal);
        Assert.Equal(packages.Commit, (string?)repository.Attribute("commit"));
    }

    [Theory]
    [InlineData("Kcp.Transport")]
    [InlineData("Kcp.AspNetCore")]
    public void SymbolPackage_Pdb_HasSourceLinkToTheCommitAndDeterministicPaths(string id)
    {
        packages.AssertPacked();
        Assert.True(File.Exists(packages.SymbolPackage(id)), $"No symbol package {packages.SymbolPackage(id)}.");
        using ZipArchive symbols = ZipFile.OpenRead(packages.SymbolPackage(id));
        ZipArchiveEntry? pdbEntry = symbols.GetEntry($"lib/net10.0/{id}.pdb");
        Assert.NotNull(pdbEntry);
        using var pdb = new MemoryStream();
        using (Stream stream = pdbEntry.Open())
        {
            stream.CopyTo(pdb);
        }

        pdb.Position = 0;
        using MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbStream(pdb);
        MetadataReader reader = provider.GetMetadataReader();
        string sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(info => reader.GetGuid(info.Kind) == s_sourceLink)
            .Select(info => Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value)))
            .Single();
        string[] documents = [.. reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name))];

        output.WriteLine(sourceLink);
        Assert.Contains("\"/_/*\"", sourceLink, StringComparison.Ordinal);
        Assert.Contains($"/{packages.Commit}/*", sourceLink, StringComparison.Ordinal);
        // ContinuousIntegrationBuild (CI=true): no path of the build machine in the PDB.
        Assert.NotEmpty(documents);
        Assert.All(documents, document => Assert.StartsWith("/_/", document, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Version_FromGit_IsMinVersOrATag()
    {
        packages.AssertPacked();

        // Without a v* tag MinVer counts from 0.0.0-alpha.0 (a CI clone may have no tags or a shallow history).
        Assert.Matches(@"^(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$", packages.Version);
        if (!await HasVersionTagAsync())
        {
            Assert.StartsWith("0.0.0-alpha.0", packages.Version, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Consumer_PackageReferenceFromLocalFeed_BuildsRunsAndServesOverKcp()
    {
        packages.AssertPacked();
        string consumer = packages.Scratch("consumer");
        string cache = packages.Scratch("nuget-packages");
        WriteConsumer(consumer);

        // Its own NuGet cache, so the packages come from the feed on every run (the same version number is packed
        // again after each commit); the machine's cache serves everything else, read-only.
        ChildProcess build = await ChildProcess.RunDotnetAsync(consumer, TestTimeouts.Build,
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = cache }, "build", "-c", "Release");
        await using (build)
        {
            output.WriteLine($"consumer restore + build: {build.Elapsed.TotalSeconds:F0} s");
            Assert.True(build.ExitCode == 0, $"The consumer did not build:\n{build.Output}");
        }

        Assert.True(Directory.Exists(Path.Combine(cache, "kcp.aspnetcore", packages.Version)), "Kcp.AspNetCore was not restored from the local feed.");
        Assert.True(Directory.Exists(Path.Combine(cache, "kcp.transport", packages.Version)), "Kcp.Transport was not restored from the local feed.");
        string bin = Path.Combine(consumer, "bin", "Release", "net10.0");
        await using var app = KcpApp.Start(ChildProcess.Dotnet, [Path.Combine(bin, "Consumer.dll")], bin);

        (var endPoint, _) = await app.WaitUntilListeningAsync();
        string hello = await app.AskAsync(endPoint);

        Assert.Matches(@"^hello over KCP, conv \d+, dynamic code True$", hello);
    }

    /// <summary>A newcomer's project: tests/Kcp.Aot.App's code and settings, Kcp.AspNetCore as a package.</summary>
    private void WriteConsumer(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (string file in new[] { "Program.cs", "appsettings.json" })
        {
            File.Copy(Path.Combine(RepositoryPaths.AotApp, file), Path.Combine(directory, file));
        }

        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Kcp.AspNetCore" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);

        // Kcp.* only from the local feed (a package of that name on nuget.org must not win), the rest from nuget.org.
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="Kcp.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
              <fallbackPackageFolders>
                <add key="machine" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        // Nothing above the temp folder may shape the build (Directory.*.props are looked up the folder tree).
        foreach (string file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, file), "<Project />\n");
        }
    }

    private static async Task<bool> HasVersionTagAsync()
    {
        await using ChildProcess git = ChildProcess.Start("git", ["tag", "--list", "v*"], RepositoryPaths.Root);
        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, $"git tag failed:\n{git.Output}");
        return git.Output.Trim().Length > 0;
    }

    private static XElement ReadNuspec(ZipArchive package, string id)
    {
        ZipArchiveEntry? entry = package.GetEntry($"{id}.nuspec");
        Assert.NotNull(entry);
        using Stream stream = entry.Open();
        return Child(XDocument.Load(stream).Root!, "metadata");
    }

    private static XElement Child(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name)
        ?? throw new Xunit.Sdk.XunitException($"The nuspec has no <{name}>:\n{parent}");

    private static string Value(XElement metadata, string name) => Child(metadata, name).Value;
}
