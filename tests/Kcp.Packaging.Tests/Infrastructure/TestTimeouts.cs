namespace Kcp.Packaging.Tests.Infrastructure;

/// <summary>Bounds for every child process and await. Generous: the build box is shared with other builds.</summary>
internal static class TestTimeouts
{
    /// <summary>One `dotnet publish` with Native AOT, `dotnet pack` or a consumer's restore and build.</summary>
    public static readonly TimeSpan Build = TimeSpan.FromMinutes(15);

    /// <summary>An app reaching "kcp listening on", exiting after a failed start, or answering one request.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(60);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default);
}
