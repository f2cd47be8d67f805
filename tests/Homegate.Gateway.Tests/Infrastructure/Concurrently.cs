namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>Starts many requests at the same moment, for the tests of what concurrency must not break.</summary>
public static class Concurrently
{
    /// <summary>Runs <paramref name="send"/> once per item, each on its own thread-pool task, released
    /// together once all are waiting to start; the answers in item order.</summary>
    public static async Task<T[]> SendAllAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> send)
    {
        using var go = new ManualResetEventSlim();
        var attempts = items.Select(item => Task.Run(async () =>
        {
            go.Wait();
            return await send(item);
        })).ToList();
        go.Set();
        return await Task.WhenAll(attempts);
    }
}
