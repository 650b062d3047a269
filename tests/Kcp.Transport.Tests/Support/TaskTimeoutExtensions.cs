namespace Kcp.Transport.Tests.Support;

/// <summary>Bounds every await in tests so a hang fails the test instead of the run. Generous: machines are shared.</summary>
internal static class TaskTimeoutExtensions
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(60);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Default);

    public static Task DefaultTimeout(this ValueTask task) => task.AsTask().WaitAsync(Default);

    public static CancellationToken DefaultToken() => new CancellationTokenSource(Default).Token;
}
