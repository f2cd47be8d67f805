using Dapper;
using Homegate.Fakes;
using Homegate.Fakes.Phoenixd;
using Homegate.Verification.Lightning;
using Npgsql;

namespace Homegate.Verification.Tests.Lightning;

/// <summary>Several homegate instances on one database: one socket holder, cross-instance wake-ups.</summary>
public sealed class LightningClusterTests : IAsyncLifetime
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

    private async Task<bool> PaidAsync(Guid id)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM ln_verifications WHERE id = @id", new { id }) == "paid";
    }

    [Fact]
    public async Task Exactly_one_instance_holds_the_socket_and_another_takes_over_when_it_stops()
    {
        var a = await LightningInstance.StartAsync(_db, _fake);
        var b = await LightningInstance.StartAsync(_db, _fake);
        var c = await LightningInstance.StartAsync(_db, _fake);
        var instances = new List<LightningInstance> { a, b, c };
        try
        {
            Assert.True(await Eventually.TrueAsync(() => _fake.ConnectedSockets == 1, TimeSpan.FromSeconds(5)));

            // Several retry rounds (300 ms each) later still exactly one.
            await Task.Delay(1500);
            Assert.Equal(1, _fake.ConnectedSockets);
            Assert.Equal(1, _fake.SocketConnections);
            var leader = Assert.Single(instances, i => i.Status.Leader);
            Assert.True(leader.Status.Connected);

            await leader.DisposeAsync();
            instances.Remove(leader);

            Assert.True(await Eventually.TrueAsync(() => instances.Count(i => i.Status.Leader && i.Status.Connected) == 1, TimeSpan.FromSeconds(5)));
            Assert.True(await Eventually.TrueAsync(() => _fake.ConnectedSockets == 1, TimeSpan.FromSeconds(5)));
            Assert.Equal(2, _fake.SocketConnections);

            // The new holder works: a payment is recorded.
            var next = instances.Single(i => i.Status.Leader);
            var created = (await next.Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value!;
            await _fake.PayAsync(_fake.Invoices.Single(i => i.Serialized == created.Invoice).PaymentHash);
            Assert.True(await Eventually.TrueAsync(() => PaidAsync(created.Id), TimeSpan.FromSeconds(5)));
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Holder_whose_database_session_is_killed_gives_the_socket_up_and_another_takes_over()
    {
        await using var a = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await Eventually.TrueAsync(() => a.Status.Connected, TimeSpan.FromSeconds(5)));
        await using var b = await LightningInstance.StartAsync(_db, _fake);
        await Task.Delay(700);
        Assert.False(b.Status.Leader);

        // Kill the lock holder's session: the lock goes with it.
        await using (var admin = new NpgsqlConnection(_db.ConnectionString + ";Pooling=false"))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = @lo AND classid = @hi AND granted",
                new { lo = (long)(uint)(LightningPaymentWatcher.LeaderLockKey & 0xFFFFFFFF), hi = (long)(uint)(LightningPaymentWatcher.LeaderLockKey >> 32) });
        }

        Assert.True(await Eventually.TrueAsync(() => b.Status.Leader != a.Status.Leader || (a.Status.Leader && a.Status.SocketConnections > 1), TimeSpan.FromSeconds(5)));
        Assert.True(await Eventually.TrueAsync(() => _fake.ConnectedSockets == 1 && (a.Status.Leader ^ b.Status.Leader), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Await_on_one_instance_returns_when_the_other_instance_records_the_payment()
    {
        await using var holder = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await Eventually.TrueAsync(() => holder.Status.Connected, TimeSpan.FromSeconds(5)));
        await using var other = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await Eventually.TrueAsync(() => other.Status.Listening, TimeSpan.FromSeconds(5)));
        Assert.False(other.Status.Leader);

        var created = (await other.Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value!;
        var waiting = other.Service.AwaitAsync(created.Id, default);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        await _fake.PayAsync(_fake.Invoices.Single().PaymentHash);

        var result = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("paid", result.Value!.Status);
        Assert.Equal(0, other.Hub.WaitingIds);
    }

    [Fact]
    public async Task Waiter_whose_listen_connection_dropped_is_woken_after_it_reconnects()
    {
        await using var holder = await LightningInstance.StartAsync(_db, _fake);
        Assert.True(await Eventually.TrueAsync(() => holder.Status.Connected, TimeSpan.FromSeconds(5)));
        await using var other = await LightningInstance.StartAsync(_db, _fake, s =>
        {
            s["Homegate:Lightning:ListenReconnectDelay"] = "00:00:02";
            s["Homegate:Lightning:LeaderRetryInterval"] = "00:01:00";
        });
        Assert.True(await Eventually.TrueAsync(() => other.Status.Listening, TimeSpan.FromSeconds(5)));
        var created = (await other.Service.CreateAsync(new CreateLightningVerification(null, null, null), default)).Value!;
        var waiting = other.Service.AwaitAsync(created.Id, default);

        await using (var admin = new NpgsqlConnection(_db.ConnectionString + ";Pooling=false"))
        {
            await admin.OpenAsync();
            var killed = await admin.ExecuteScalarAsync<int>(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
            Assert.Equal(2, killed); // both instances' LISTEN connections
        }

        Assert.True(await Eventually.TrueAsync(() => !other.Status.Listening, TimeSpan.FromSeconds(20)));
        await _fake.PayAsync(_fake.Invoices.Single().PaymentHash);
        Assert.True(await Eventually.TrueAsync(() => PaidAsync(created.Id), TimeSpan.FromSeconds(5)));
        Assert.False(other.Status.Listening);
        Assert.False(waiting.IsCompleted); // the NOTIFY was missed

        var result = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("paid", result.Value!.Status);
        Assert.True(other.Status.Listening);
    }
}
