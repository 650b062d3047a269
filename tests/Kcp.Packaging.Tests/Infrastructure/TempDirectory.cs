namespace Kcp.Packaging.Tests.Infrastructure;

/// <summary>A fresh folder (under the system temp folder, or another), deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix) =>
        Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public TempDirectory(string parent, string prefix)
    {
        Directory.CreateDirectory(parent);
        Path = Directory.CreateDirectory(System.IO.Path.Combine(parent, prefix + Guid.NewGuid().ToString("N")[..8])).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a process that is being torn down; the temp folder is cleaned by the system.
        }
    }
}
