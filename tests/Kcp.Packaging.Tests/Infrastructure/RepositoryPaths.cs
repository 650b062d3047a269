namespace Kcp.Packaging.Tests.Infrastructure;

/// <summary>Paths in the repository these tests build from (the tests run from its tests/*/bin folder).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string AotApp => Path.Combine(Root, "tests", "Kcp.Aot.App");

    public static string Source(string project) => Path.Combine(Root, "src", project, project + ".csproj");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kcp.AspNetCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Kcp.AspNetCore.sln above {AppContext.BaseDirectory}.");
    }
}
