using System.Collections.Concurrent;

namespace Homegate.Verification.Lightning;

/// <summary>
/// In-memory wake-ups for <c>/await</c>: one <see cref="TaskCompletionSource"/> per verification id,
/// shared by every request waiting on it. No thread and no database connection is held per waiter.
/// A signal only means "re-read the row"; waiters never trust it as proof of payment.
/// </summary>
internal sealed class LightningPaymentHub
{
    private readonly ConcurrentDictionary<Guid, Slot> _slots = new();

    public int WaitingIds => _slots.Count;

    /// <summary>Registers interest in <paramref name="id"/>; dispose the registration when done.</summary>
    public Registration Register(Guid id)
    {
        while (true)
        {
            var slot = _slots.GetOrAdd(id, static _ => new Slot());
            lock (slot)
            {
                // A slot that was signalled or emptied has left the dictionary; take a fresh one.
                if (!slot.Closed)
                {
                    slot.Count++;
                    return new Registration(this, id, slot);
                }
            }
        }
    }

    /// <summary>Wakes everyone waiting on <paramref name="id"/>.</summary>
    public void Signal(Guid id)
    {
        if (_slots.TryRemove(id, out var slot))
        {
            Close(slot);
        }
    }

    /// <summary>Wakes every waiter (after the LISTEN connection was re-established, notifications may have been missed).</summary>
    public void SignalAll()
    {
        foreach (var id in _slots.Keys)
        {
            Signal(id);
        }
    }

    private static void Close(Slot slot)
    {
        lock (slot)
        {
            slot.Closed = true;
        }

        slot.Completion.TrySetResult();
    }

    private void Release(Guid id, Slot slot)
    {
        lock (slot)
        {
            if (slot.Closed || --slot.Count > 0)
            {
                return;
            }

            slot.Closed = true;
        }

        _slots.TryRemove(new KeyValuePair<Guid, Slot>(id, slot));
    }

    internal sealed class Slot
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count { get; set; }

        public bool Closed { get; set; }
    }

    internal sealed class Registration(LightningPaymentHub hub, Guid id, Slot slot) : IDisposable
    {
        private int _disposed;

        /// <summary>Completes when the id is signalled.</summary>
        public Task Signalled => slot.Completion.Task;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                hub.Release(id, slot);
            }
        }
    }
}
