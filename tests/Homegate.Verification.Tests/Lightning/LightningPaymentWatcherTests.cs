using System.Diagnostics;
using Dapper;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Verification.Lightning;

namespace Homegate.Verification.Tests.Lightning;

public sealed class LightningPaymentWatcherTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private FakePhoenixd _fake = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _fake = await FakePhoenixd.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static async Task<CreatedLightningVerification> CreateAsync(LightningInstance instance)
        => (await instance.Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value
           ?? throw new InvalidOperationException("create failed");

    private string HashOf(CreatedLightningVerification created)
        => _fake.Invoices.Single(i => i.Serialized == created.Invoice).PaymentHash;

    private async Task<string> StatusAsync(Guid id)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM ln_verifications WHERE id = @id", new { id }) ?? "missing";
    }

    private async Task<int> CountAsync(string status)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM ln_verifications WHERE status = @status", new { status });
    }

    // Connected, and the catch-up pass that every connect triggers is over (so it cannot overlap the test).
    private static Task<bool> ConnectedAsync(LightningInstance instance)
        => Eventually.TrueAsync(() => instance.Status.Connected && instance.Status.LastReconcileAt is not null, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Payment_event_on_the_socket_marks_the_verification_paid()
    {
        await using var instance = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await ConnectedAsync(instance));
        var created = await CreateAsync(instance);

        await _fake.PayAsync(HashOf(created));

        // ReconcileInterval is 5 minutes here: only the event can do this in time.
        Assert.True(await Eventually.TrueAsync(async () => await StatusAsync(created.Id) == "paid", TimeSpan.FromSeconds(5)));
        Assert.True(instance.Status.Leader);
        Assert.False(instance.Status.Degraded);
    }

    [Fact]
    public async Task Payment_made_while_the_socket_is_down_is_paid_within_5_seconds_of_the_reconnect_without_client_polling()
    {
        await using var instance = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await ConnectedAsync(instance));
        var created = await CreateAsync(instance);

        _fake.Down = true;
        await _fake.DropSocketsAsync();
        Assert.True(await Eventually.TrueAsync(() => !instance.Status.Connected, TimeSpan.FromSeconds(5)));
        Assert.True(instance.Status.Degraded);
        await _fake.PayAsync(HashOf(created)); // nobody is listening: the event is lost
        await Task.Delay(500);
        Assert.Equal("pending", await StatusAsync(created.Id));

        var connectionsBefore = _fake.SocketConnections;
        _fake.Down = false;
        Assert.True(await Eventually.TrueAsync(() => _fake.SocketConnections > connectionsBefore, TimeSpan.FromSeconds(5)));
        var reconnected = Stopwatch.StartNew();

        Assert.True(await Eventually.TrueAsync(async () => await StatusAsync(created.Id) == "paid", TimeSpan.FromSeconds(5)));
        Assert.True(reconnected.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Duplicate_events_and_repeated_payments_flip_and_announce_the_verification_once()
    {
        await using var notifications = await PaidNotifications.StartAsync(_db.ConnectionString);
        await using var instance = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await ConnectedAsync(instance));
        var created = await CreateAsync(instance);
        _fake.SendDuplicates = true;

        await _fake.PayAsync(HashOf(created));
        await _fake.PayAsync(HashOf(created));
        Assert.True(await Eventually.TrueAsync(async () => await StatusAsync(created.Id) == "paid", TimeSpan.FromSeconds(5)));
        var paidAt = (await instance.Repository.GetAsync(created.Id, default))!.PaidAt;
        await instance.Processor.ReconcileAsync(default);
        await Task.Delay(500);

        Assert.Equal(1, notifications.Counts.GetValueOrDefault(created.Id.ToString("D")));
        Assert.Equal(paidAt, (await instance.Repository.GetAsync(created.Id, default))!.PaidAt);
    }

    [Fact]
    public async Task Payment_event_for_an_unknown_hash_changes_nothing_and_keeps_the_socket()
    {
        await using var notifications = await PaidNotifications.StartAsync(_db.ConnectionString);
        await using var instance = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await ConnectedAsync(instance));
        var created = await CreateAsync(instance);
        var requestsBefore = _fake.HttpRequests;

        await _fake.EmitUnknownPaymentAsync();
        await Task.Delay(500);

        Assert.Equal("pending", await StatusAsync(created.Id));
        Assert.Empty(notifications.Counts);
        Assert.True(instance.Status.Connected);
        Assert.Equal(1, _fake.SocketConnections);
        Assert.Equal(requestsBefore, _fake.HttpRequests); // not even asked about: no pending row has that hash
    }

    [Fact]
    public async Task Oversized_payment_event_is_not_parsed_and_the_socket_stays()
    {
        await using var instance = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await ConnectedAsync(instance));
        var created = await CreateAsync(instance);
        var hash = HashOf(created);
        var requestsBefore = _fake.HttpRequests;
        var padding = new string('x', LightningPaymentWatcher.MaxEventLength);

        await _fake.EmitRawAsync($$"""{"type":"payment_received","paymentHash":"{{hash}}","padding":"{{padding}}"}""");
        await Task.Delay(500);

        Assert.Equal("pending", await StatusAsync(created.Id));
        Assert.True(instance.Status.Connected);
        Assert.Equal(1, _fake.SocketConnections);
        Assert.Equal(requestsBefore, _fake.HttpRequests); // a parsed event would have been confirmed over HTTP

        await _fake.PayAsync(hash);
        Assert.True(await Eventually.TrueAsync(async () => await StatusAsync(created.Id) == "paid", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Stalled_socket_is_abandoned_after_the_keep_alive_and_payments_still_arrive()
    {
        _fake.StallSockets = true;
        await using var instance = await LightningInstance.StartAsync(_db, _fake, s => s["Homegate:Lightning:SocketKeepAlive"] = "00:00:00.500");
        Assert.True(await Eventually.TrueAsync(() => _fake.SocketConnections >= 1, TimeSpan.FromSeconds(5)));
        var created = await CreateAsync(instance);

        _fake.StallSockets = false;
        Assert.True(await Eventually.TrueAsync(() => _fake.SocketConnections >= 2, TimeSpan.FromSeconds(10)));
        Assert.True(await Eventually.TrueAsync(() => _fake.ConnectedSockets == 1 && instance.Status.Connected, TimeSpan.FromSeconds(5)));
        await _fake.PayAsync(HashOf(created));

        Assert.True(await Eventually.TrueAsync(async () => await StatusAsync(created.Id) == "paid", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Thousand_invoices_paid_while_the_socket_is_repeatedly_dropped_are_all_paid_exactly_once()
    {
        const int count = 1000;
        await using var notifications = await PaidNotifications.StartAsync(_db.ConnectionString);
        await using var instance = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await ConnectedAsync(instance));
        var created = new List<CreatedLightningVerification>();
        for (var batch = 0; batch < count / 50; batch++)
        {
            created.AddRange(await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => CreateAsync(instance))));
        }

        var hashes = _fake.Invoices.Select(i => i.PaymentHash).ToList();
        Assert.Equal(count, hashes.Count);
        _fake.SendDuplicates = true;
        for (var i = 0; i < hashes.Count; i++)
        {
            _fake.Pay(hashes[i]);
            if (i % 50 == 49)
            {
                await _fake.DropSocketsAsync();
                await _fake.EmitUnknownPaymentAsync();

                // Every other drop, wait for the reconnect so events also arrive on fresh sockets;
                // otherwise keep paying while no socket is open (those events are lost).
                if (i % 100 == 99)
                {
                    var before = _fake.SocketConnections;
                    Assert.True(await Eventually.TrueAsync(() => _fake.SocketConnections > before, TimeSpan.FromSeconds(5)));
                }
            }
        }

        await _fake.DropSocketsAsync();
        Assert.True(await Eventually.TrueAsync(async () => await CountAsync("paid") == count, TimeSpan.FromSeconds(30)),
            Eventually.Invariant($"paid: {await CountAsync("paid")} of {count}"));
        await Task.Delay(500);

        var ids = created.Select(c => c.Id.ToString("D")).ToHashSet();
        Assert.Equal(count, notifications.Counts.Count);
        Assert.All(notifications.Counts, kv => Assert.Equal(1, kv.Value));
        Assert.Subset(ids, notifications.Counts.Keys.ToHashSet());
        Assert.Equal(count, await CountAsync("paid"));
        Assert.True(_fake.SocketConnections >= 11, Eventually.Invariant($"socket connections: {_fake.SocketConnections}"));
    }

    [Theory]
    [InlineData(5, 2)]   // confirmed one GET each
    [InlineData(60, 15)] // a burst: confirmed from the paid listing
    public async Task Events_are_confirmed_with_phoenixd_and_events_for_unpaid_invoices_mint_nothing(int paidCount, int unpaidCount)
    {
        await using var notifications = await PaidNotifications.StartAsync(_db.ConnectionString);
        await using var instance = await LightningInstance.StartAsync(_db, _fake, start: false);
        var created = await Task.WhenAll(Enumerable.Range(0, paidCount + unpaidCount).Select(_ => CreateAsync(instance)));
        var paid = created.Take(paidCount).ToList();
        foreach (var verification in paid)
        {
            await _fake.PayAsync(HashOf(verification));
        }

        // Claimed payments: every invoice, paid or not, plus hashes nobody issued, some twice.
        var claimed = created.Select(HashOf).Concat(created.Take(3).Select(HashOf)).Append(new string('f', 64)).ToList();
        var flipped = await instance.Processor.ConfirmManyAsync(claimed, parallelism: 4, default);

        Assert.Equal(paidCount, flipped);
        Assert.Equal(paidCount, await CountAsync("paid"));
        Assert.Equal(unpaidCount, await CountAsync("pending"));
        foreach (var verification in paid)
        {
            Assert.Equal("paid", await StatusAsync(verification.Id));
        }

        Assert.Equal(0, await instance.Processor.ConfirmManyAsync(claimed, parallelism: 4, default));
        await Task.Delay(300);
        Assert.Equal(paidCount, notifications.Counts.Count);
        Assert.All(notifications.Counts.Values, n => Assert.Equal(1, n));
    }
}
