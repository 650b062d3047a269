using System.Collections.Concurrent;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kcp.Architecture.Tests.Support;

/// <summary>The repository's files: found from the test's output folder, sources parsed once (syntax only).</summary>
internal static class Repository
{
    private static readonly ConcurrentDictionary<string, SyntaxTree> s_trees = new(StringComparer.Ordinal);

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Preview, DocumentationMode.None);

    /// <summary>The folder holding Kcp.AspNetCore.sln, walking up from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kcp.AspNetCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Kcp.AspNetCore.sln.");
    }

    /// <summary>The path relative to the repository root, with forward slashes.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The subfolders of a folder of the repository (e.g. the projects under src/), sorted.</summary>
    public static IReadOnlyList<string> Folders(string relativeFolder) =>
        [.. Directory.EnumerateDirectories(Path.Combine(Root, relativeFolder)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The files under a folder of the repository whose names end with one of <paramref name="extensions"/>, sorted,
    /// leaving out build output (any bin/ or obj/ folder).
    /// </summary>
    public static IReadOnlyList<string> Files(string relativeOrAbsoluteFolder, params string[] extensions)
    {
        string folder = Path.Combine(Root, relativeOrAbsoluteFolder);
        return
        [
            .. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
                    .Any(segment => segment is "bin" or "obj"))
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>The syntax tree of a C# file (no compilation: names are as written).</summary>
    public static SyntaxTree Parse(string path) =>
        s_trees.GetOrAdd(path, p => CSharpSyntaxTree.ParseText(File.ReadAllText(p, Encoding.UTF8), s_parseOptions, p));
}
