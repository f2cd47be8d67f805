using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Homegate.Fakes.Phoenixd;
using Homegate.Verification.Lightning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Verification.Tests.Lightning;

public sealed class PhoenixdClientTests : IAsyncLifetime
{
    private FakePhoenixd _fake = null!;
    private ServiceProvider _services = null!;

    private PhoenixdClient Client => _services.GetRequiredService<PhoenixdClient>();

    private LightningWatcherStatus Status => _services.GetRequiredService<LightningWatcherStatus>();

    public async Task InitializeAsync()
    {
        _fake = await FakePhoenixd.StartAsync();
        _services = Build(_fake.Password);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private ServiceProvider Build(string password, string requestTimeout = "00:00:02")
    {
        var settings = LightningInstance.DefaultSettings(_fake);
        settings["Homegate:Lightning:Password"] = password;
        settings["Homegate:Lightning:RequestTimeout"] = requestTimeout;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddLightningVerification(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task Create_invoice_sends_amount_description_expiry_and_external_id()
    {
        var invoice = await Client.CreateInvoiceAsync(2100, "signup please", 600, "ext-1", default);

        var stored = Assert.Single(_fake.Invoices);
        Assert.Equal(invoice.PaymentHash, stored.PaymentHash);
        Assert.Equal(invoice.Serialized, stored.Serialized);
        Assert.Equal(2100, invoice.AmountSat);
        Assert.Equal("signup please", stored.Description);
        Assert.Equal("ext-1", stored.ExternalId);
        Assert.InRange(stored.ExpiresAt - stored.CreatedAt, TimeSpan.FromSeconds(599), TimeSpan.FromSeconds(601));
        Assert.Matches("^[0-9a-f]{64}$", invoice.PaymentHash);
    }

    [Fact]
    public async Task Incoming_payment_is_unpaid_until_paid_and_unknown_hash_is_null()
    {
        var invoice = await Client.CreateInvoiceAsync(1000, "d", 600, "x", default);

        var before = await Client.GetIncomingPaymentAsync(invoice.PaymentHash, default);
        Assert.NotNull(before);
        Assert.False(before.IsPaid);
        Assert.False(before.IsExpired);

        Assert.True(await _fake.PayAsync(invoice.PaymentHash));
        var after = await Client.GetIncomingPaymentAsync(invoice.PaymentHash, default);
        Assert.True(after!.IsPaid);
        Assert.Equal(1000, after.ReceivedSat);
        Assert.NotNull(after.CompletedAt);

        Assert.Null(await Client.GetIncomingPaymentAsync(new string('a', 64), default));
    }

    [Fact]
    public async Task Listing_returns_paid_payments_only_unless_all_and_pages_with_limit_and_offset()
    {
        var hashes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            hashes.Add((await Client.CreateInvoiceAsync(1000, "d", 600, "x", default)).PaymentHash);
        }

        foreach (var hash in hashes.Take(3))
        {
            await _fake.PayAsync(hash);
        }

        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var paid = await Client.ListIncomingPaymentsAsync(from, to, 100, 0, all: false, default);
        Assert.Equal(hashes.Take(3).Order(), paid.Select(p => p.PaymentHash).Order());

        var all = await Client.ListIncomingPaymentsAsync(from, to, 100, 0, all: true, default);
        Assert.Equal(5, all.Count);

        var page1 = await Client.ListIncomingPaymentsAsync(from, to, 2, 0, all: true, default);
        var page2 = await Client.ListIncomingPaymentsAsync(from, to, 2, 2, all: true, default);
        var page3 = await Client.ListIncomingPaymentsAsync(from, to, 2, 4, all: true, default);
        Assert.Equal(hashes.Order(), page1.Concat(page2).Concat(page3).Select(p => p.PaymentHash).Order());

        var none = await Client.ListIncomingPaymentsAsync(to, to.AddMinutes(1), 100, 0, all: true, default);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Wrong_password_is_reported_as_unavailable_and_marks_phoenixd_unreachable()
    {
        await using var wrong = Build("not-the-password");
        var client = wrong.GetRequiredService<PhoenixdClient>();

        var error = await Assert.ThrowsAsync<PhoenixdUnavailableException>(() => client.CreateInvoiceAsync(1000, "d", 600, "x", default));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
        Assert.False(wrong.GetRequiredService<LightningWatcherStatus>().PhoenixdReachable);
        Assert.Empty(_fake.Invoices);
    }

    [Fact]
    public async Task Slow_phoenixd_fails_within_the_request_timeout()
    {
        await using var quick = Build(_fake.Password, "00:00:00.500");
        var client = quick.GetRequiredService<PhoenixdClient>();
        _fake.Delay = TimeSpan.FromSeconds(10);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<PhoenixdUnavailableException>(() => client.CreateInvoiceAsync(1000, "d", 600, "x", default));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Phoenixd_answering_503_is_unavailable_and_a_later_success_clears_it()
    {
        _fake.Down = true;
        await Assert.ThrowsAsync<PhoenixdUnavailableException>(() => Client.GetIncomingPaymentAsync(new string('b', 64), default));
        Assert.False(Status.PhoenixdReachable);

        _fake.Down = false;
        Assert.Null(await Client.GetIncomingPaymentAsync(new string('b', 64), default));
        Assert.True(Status.PhoenixdReachable);
    }

    [Fact]
    public async Task Websocket_delivers_payment_received_events_with_their_hash()
    {
        var invoice = await Client.CreateInvoiceAsync(1000, "d", 600, "x", default);
        using var socket = await Client.ConnectWebSocketAsync(default);
        Assert.True(await Eventually.TrueAsync(() => _fake.ConnectedSockets == 1, TimeSpan.FromSeconds(5)));

        await _fake.PayAsync(invoice.PaymentHash);

        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Equal(invoice.PaymentHash, LightningPaymentWatcher.ParsePaymentHash(buffer.AsSpan(0, result.Count)));
    }

    [Fact]
    public async Task Websocket_with_wrong_password_is_refused()
    {
        await using var wrong = Build("nope");
        await Assert.ThrowsAsync<PhoenixdUnavailableException>(() => wrong.GetRequiredService<PhoenixdClient>().ConnectWebSocketAsync(default));
        Assert.Equal(0, _fake.SocketConnections);
    }

    [Theory]
    [InlineData("""{"type":"payment_received","timestamp":1,"amountSat":1000,"paymentHash":"abc"}""", "abc")]
    [InlineData("""{"type":"something_else","paymentHash":"abc"}""", null)]
    [InlineData("""{"type":"payment_received"}""", null)]
    [InlineData("not json", null)]
    [InlineData("""{"type":"payment_received","paymentHash":42}""", null)]
    public void Only_payment_received_events_with_a_hash_are_taken(string frame, string? expected)
        => Assert.Equal(expected, LightningPaymentWatcher.ParsePaymentHash(Encoding.UTF8.GetBytes(frame)));
}
