using System.Threading.Channels;

namespace Homegate.Verification.Lightning;

/// <summary>
/// Coalesces the row reads of <c>/await</c>: when thousands of waiters wake at once (a burst of
/// payments, or the LISTEN connection coming back), they are served by a few
/// <c>WHERE id = ANY(…)</c> queries instead of one query and one pooled connection each.
/// Under light load a read is a single query, as before.
/// </summary>
internal sealed class LightningRowLoader(LightningRepository repository) : IDisposable
{
    private const int MaxBatch = 500;
    private const int Readers = 4;

    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource _stop = new();
    private int _started;

    public Task<LightningVerification?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            for (var i = 0; i < Readers; i++)
            {
                _ = Task.Run(ReadLoopAsync, CancellationToken.None);
            }
        }

        var request = new Request(id, new TaskCompletionSource<LightningVerification?>(TaskCreationOptions.RunContinuationsAsynchronously));
        ObjectDisposedException.ThrowIf(!_requests.Writer.TryWrite(request), this);

        return request.Completion.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _requests.Writer.TryComplete();
        _stop.Cancel();
        while (_requests.Reader.TryRead(out var request))
        {
            request.Completion.TrySetCanceled();
        }

        _stop.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var token = _stop.Token;
        var batch = new List<Request>(MaxBatch);
        try
        {
            while (await _requests.Reader.WaitToReadAsync(token))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _requests.Reader.TryRead(out var request))
                {
                    batch.Add(request);
                }

                try
                {
                    var rows = await repository.GetManyAsync(batch.Select(r => r.Id).Distinct().ToArray(), token);
                    var byId = rows.ToDictionary(r => r.Id);
                    foreach (var request in batch)
                    {
                        request.Completion.TrySetResult(byId.GetValueOrDefault(request.Id));
                    }
                }
                catch (Exception e)
                {
                    // Database errors reach every caller of this batch (the host maps them to 503).
                    foreach (var request in batch)
                    {
                        request.Completion.TrySetException(e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var request in batch)
        {
            request.Completion.TrySetCanceled();
        }
    }

    private readonly record struct Request(Guid Id, TaskCompletionSource<LightningVerification?> Completion);
}
