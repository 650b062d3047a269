using System.Text;
using System.Text.Json;
using Kcp.Packaging.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Kcp.Packaging.Tests;

/// <summary>
/// The README's code, as a newcomer pastes it: every <c>csharp</c> block is compiled in a project made as
/// <c>dotnet new web</c> makes one (the Web SDK, <c>ImplicitUsings</c> and <c>Nullable</c> on, no using added)
/// with a reference to Kcp.AspNetCore, and every <c>json</c> block is parsed. A block that makes its own builder or
/// declares types is a Program.cs of its own; any other is compiled as the body of a method that receives
/// <c>builder</c> and <c>app</c>, with its own usings at the top of its file. A block that cannot compile on its own
/// is exempted by a marker on the line above it (<c>&lt;!-- readme-check: skip REASON --&gt;</c>) and listed. Compiler
/// errors name README.md's lines. So a README change that breaks a newcomer's build breaks CI.
/// </summary>
public sealed class ReadmeCodeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ReadmeBlocks_InWebSdkProjectsWithOnlyItsImplicitUsings_CompileAndParse()
    {
        // Arrange: the README's blocks, and a folder outside the repository (no Directory.Build.props, no central
        // package versions: a newcomer's project has neither).
        string readme = Path.Combine(RepositoryPaths.Root, "README.md");
        IReadOnlyList<ReadmeBlock> blocks = ReadmeBlock.Parse(await File.ReadAllTextAsync(readme));
        string library = RepositoryPaths.Source("Kcp.AspNetCore");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(library)!, "bin", "Release", "net10.0", "Kcp.AspNetCore.dll")),
            "Build the solution in Release first: the README projects reference src/Kcp.AspNetCore's build output.");
        using var folder = new TempDirectory("kcp-readme-");
        ReadmeBlock[] programs = [.. blocks.Where(b => b.Kind == ReadmeBlockKind.Program)];
        ReadmeBlock[] fragments = [.. blocks.Where(b => b.Kind == ReadmeBlockKind.Fragment)];
        ReadmeBlock[] json = [.. blocks.Where(b => b.Kind == ReadmeBlockKind.Json)];
        ReadmeBlock[] skipped = [.. blocks.Where(b => b.Kind == ReadmeBlockKind.Skipped)];
        var projects = new List<string>();
        foreach (ReadmeBlock program in programs)
        {
            string name = $"Line{program.Line}";
            WriteProject(folder.Combine(name), name, library);
            await File.WriteAllTextAsync(folder.Combine(name, "Program.cs"), program.AsProgram());
            projects.Add($"{name}/{name}.csproj");
        }

        WriteProject(folder.Combine("Fragments"), "Fragments", library);
        await File.WriteAllTextAsync(folder.Combine("Fragments", "Program.cs"), "// The README's fragments are methods of their own classes; this is only the entry point.\nreturn;\n");
        foreach (ReadmeBlock fragment in fragments)
        {
            await File.WriteAllTextAsync(folder.Combine("Fragments", $"Line{fragment.Line}.cs"), fragment.AsFragment($"ReadmeLine{fragment.Line}"));
        }

        projects.Add("Fragments/Fragments.csproj");
        await File.WriteAllTextAsync(folder.Combine("readme.slnx"),
            "<Solution>\n" + string.Concat(projects.Select(p => $"  <Project Path=\"{p}\" />\n")) + "</Solution>\n");

        // Act: one build of them all, against the library as built in Release (not rebuilt: other test runs use it;
        // a solution would build references outside it in Debug unless told to keep the configuration).
        ChildProcess build = await ChildProcess.RunDotnetAsync(folder.Path, TestTimeouts.Build, null,
            "build", "readme.slnx", "-c", "Release", "-p:BuildProjectReferences=false", "-p:RestoreRecursive=false", "-p:ShouldUnsetParentConfigurationAndPlatform=false", "-nologo", "-clp:NoSummary");
        List<string> jsonErrors = [.. json.Select(CheckJson).OfType<string>()];

        // Assert
        string report = Report(programs, fragments, json, skipped);
        output.WriteLine(report);
        await using (build)
        {
            string errors = string.Join('\n', build.Output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct());
            Assert.True(build.ExitCode == 0, $"The README's C# does not compile as written (lines are README.md's):\n{errors}\n\n{build.Output}");
        }

        Assert.True(jsonErrors.Count == 0, string.Join('\n', jsonErrors));
        Assert.True(programs.Length >= 2 && fragments.Length >= 4, $"Too few blocks found: the extraction is broken.\n{report}");
        Assert.All(skipped, b => Assert.False(string.IsNullOrWhiteSpace(b.SkipReason), $"README.md line {b.Line}: a skipped block must say why."));

        // The Quick start's Program.cs is the first C# block and imports nothing, as the README says.
        ReadmeBlock quickStart = blocks.First(b => b.Language == "csharp");
        Assert.Equal(ReadmeBlockKind.Program, quickStart.Kind);
        Assert.Empty(quickStart.Usings);
        Assert.Contains("builder.WebHost.UseKcp()", quickStart.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ClassifiesProgramsFragmentsJsonAndMarkedBlocks()
    {
        const string markdown = """
            ```csharp
            var builder = WebApplication.CreateBuilder(args);
            ```
            ```csharp
            using System.Net;

            builder.WebHost.UseKcp();
            ```
            <!-- readme-check: skip needs Grpc.AspNetCore -->
            ```csharp
            app.MapGrpcService<EchoService>();
            ```
            ```json
            { "a": 1 }
            ```
            ```
            tests/run
            ```
            """;

        IReadOnlyList<ReadmeBlock> blocks = ReadmeBlock.Parse(markdown);

        Assert.Equal([ReadmeBlockKind.Program, ReadmeBlockKind.Fragment, ReadmeBlockKind.Skipped, ReadmeBlockKind.Json, ReadmeBlockKind.Other], blocks.Select(b => b.Kind));
        Assert.Equal([2, 5, 11, 14, 17], blocks.Select(b => b.Line));
        Assert.Equal(["using System.Net;"], blocks[1].Usings);
        Assert.Equal(7, blocks[1].BodyLine);
        Assert.Equal("needs Grpc.AspNetCore", blocks[2].SkipReason);
        string fragment = blocks[1].AsFragment("F");
        Assert.Contains("internal static void Run(WebApplicationBuilder builder)", fragment, StringComparison.Ordinal);
        Assert.Contains("#line 7 \"README.md\"\nbuilder.WebHost.UseKcp();", fragment, StringComparison.Ordinal);
    }

    /// <summary>The csproj <c>dotnet new web</c> writes, plus the reference a newcomer adds.</summary>
    private static void WriteProject(string directory, string name, string library)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{library}" />
              </ItemGroup>
            </Project>
            """);
    }

    /// <summary>Null when the block parses as JSON, alone or (a piece of a file) inside braces.</summary>
    private static string? CheckJson(ReadmeBlock block)
    {
        foreach (string text in new[] { block.Code, "{" + block.Code + "}" })
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(text);
                return null;
            }
            catch (JsonException)
            {
                // Try the next form.
            }
        }

        return $"README.md line {block.Line}: the json block does not parse, alone or inside braces.";
    }

    private static string Report(ReadmeBlock[] programs, ReadmeBlock[] fragments, ReadmeBlock[] json, ReadmeBlock[] skipped)
    {
        var text = new StringBuilder();
        text.AppendLine($"{programs.Length + fragments.Length} C# blocks compiled: {programs.Length} as Program.cs (lines {string.Join(", ", programs.Select(b => b.Line))}), {fragments.Length} as method bodies (lines {string.Join(", ", fragments.Select(b => b.Line))}).");
        text.AppendLine($"{json.Length} JSON blocks parsed (lines {string.Join(", ", json.Select(b => b.Line))}).");
        text.Append($"{skipped.Length} blocks skipped as marked: {string.Join("; ", skipped.Select(b => $"line {b.Line} ({b.SkipReason})"))}.");
        return text.ToString();
    }
}
