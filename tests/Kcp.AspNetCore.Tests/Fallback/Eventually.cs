namespace Kcp.AspNetCore.Tests.Fallback;

/// <summary>Waits (bounded) for a state that no event announces, such as a count that drops when a close finished.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"Timed out waiting until {what}.");
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
