using System.Collections.Concurrent;
using Mono.Cecil;

namespace Kcp.Architecture.Tests.Support;

/// <summary>
/// The compiled assemblies the rules read, with Mono.Cecil: the libraries from this project's output folder, the
/// samples from its consumers/ subfolder (copied there by the project file). Read once, kept for the whole run.
/// </summary>
internal static class Assemblies
{
    private static readonly Resolver s_resolver = new();

    /// <summary>The assembly named <paramref name="name"/> (file name without .dll), read once for the whole run.</summary>
    public static ModuleDefinition Load(string name) => s_resolver.Resolve(new AssemblyNameReference(name, null)).MainModule;

    /// <summary>
    /// Resolves references from the assemblies this test run loaded or can load: our own (and its consumers/ folder),
    /// then the process's trusted platform assemblies (the shared frameworks: Microsoft.NETCore.App and, through the
    /// Kcp.AspNetCore reference, Microsoft.AspNetCore.App). Cecil needs this for attribute arguments of enum types.
    /// </summary>
    private sealed class Resolver : IAssemblyResolver
    {
        private readonly Dictionary<string, string> _paths = FindPaths();
        private readonly ConcurrentDictionary<string, AssemblyDefinition> _cache = new(StringComparer.OrdinalIgnoreCase);

        private static Dictionary<string, string> FindPaths()
        {
            Dictionary<string, string> paths = new(StringComparer.OrdinalIgnoreCase);
            string tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
            foreach (string path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                paths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }

            foreach (string folder in new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "consumers") })
            {
                if (Directory.Exists(folder))
                {
                    foreach (string path in Directory.EnumerateFiles(folder, "*.dll"))
                    {
                        paths[Path.GetFileNameWithoutExtension(path)] = path;
                    }
                }
            }

            return paths;
        }

        public AssemblyDefinition Resolve(AssemblyNameReference name) => Resolve(name, new ReaderParameters());

        public AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters) =>
            _cache.GetOrAdd(name.Name, n => _paths.TryGetValue(n, out string? path)
                ? AssemblyDefinition.ReadAssembly(path, new ReaderParameters { AssemblyResolver = this, InMemory = true })
                : throw new FileNotFoundException(
                    $"{n}.dll is neither in {AppContext.BaseDirectory} (or its consumers/ folder) nor a platform assembly: " +
                    "is it referenced (or copied) by Kcp.Architecture.Tests.csproj?"));

        public void Dispose()
        {
        }
    }
}
