namespace ChatHub.Tests.Infrastructure;

/// <summary>Bounds every await so a hang fails the test instead of the run; generous because the machine is shared.</summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>Reconnecting includes the client noticing the dead server (ServerTimeout) and dialing again.</summary>
    public static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(60);

    public static Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task WithTimeout(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);
}
