using ChatHub.Tests.Infrastructure;

namespace ChatHub.Tests.ScaleOut.Infrastructure;

/// <summary>
/// The processes (and connections) of one test, disposed in reverse order of creation when the test ends, passed or
/// failed: clients first, then the balancer, the servers, redis.
/// </summary>
internal sealed class ProcessGroup : IAsyncDisposable
{
    private readonly Stack<IAsyncDisposable> _owned = new();

    /// <summary>Takes <paramref name="item"/> to dispose with the group; returns it.</summary>
    public T Add<T>(T item)
        where T : IAsyncDisposable
    {
        _owned.Push(item);
        return item;
    }

    /// <summary>Starts <paramref name="count"/> backends at once; each one that started belongs to the group even if another failed.</summary>
    public async Task<ChatBackend[]> StartBackendsAsync(int count, ChatBackendSettings settings)
    {
        Task<ChatBackend>[] starting = [.. Enumerable.Range(1, count).Select(i => ChatBackend.StartAsync($"server-{i}", settings))];
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            foreach (Task<ChatBackend> task in starting.Where(t => t.IsCompletedSuccessfully))
            {
                Add(task.Result);
            }
        }

        return [.. starting.Select(t => t.Result)];
    }

    public async ValueTask DisposeAsync()
    {
        List<Exception> errors = [];
        while (_owned.TryPop(out IAsyncDisposable? item))
        {
            try
            {
                await item.DisposeAsync().AsTask().WithTimeout();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }

        if (errors.Count > 0)
        {
            throw new AggregateException("Stopping the test's processes failed.", errors);
        }
    }
}
