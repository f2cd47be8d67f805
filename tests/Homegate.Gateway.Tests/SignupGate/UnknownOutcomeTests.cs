using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Redemptions;

namespace Homegate.Gateway.Tests.SignupGate;

/// <summary>
/// Issue 10 item 1, API.md §3 step 5: an unknown outcome is not a failure. A client that resets the
/// connection, a homeserver that answers too late: one permit never yields two accounts.
/// </summary>
public sealed class UnknownOutcomeTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-unknown").FullName;
    private readonly List<IAsyncDisposable> _started = [];
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var started in Enumerable.Reverse(_started))
        {
            await started.DisposeAsync();
        }

        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<(FakeHomeserver Homeserver, GatewayHost Gateway)> StartAsync(FakeSignupMode mode, Action<JsonObject>? edit = null)
    {
        var homeserver = await FakeHomeserver.StartAsync(new FakeHomeserverOptions { SignupMode = mode });
        _started.Add(homeserver);
        var gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, _db, homeserver, edit));
        _started.Add(gateway);
        return (homeserver, gateway);
    }

    private static string NewJti() => "inv:" + Guid.NewGuid().ToString("N");

    [Theory]
    [InlineData(FakeSignupMode.Open)]
    [InlineData(FakeSignupMode.TokenRequired)]
    public async Task Clients_resetting_at_random_moments_never_get_more_accounts_than_permits(FakeSignupMode mode)
    {
        const int Rounds = 200;
        var (homeserver, gateway) = await StartAsync(mode);

        // The account exists a few milliseconds before its answer leaves the homeserver: the window the
        // attack review hit with 1–6 ms aborts.
        homeserver.SignupAnswerDelay = TimeSpan.FromMilliseconds(3);
        var keysPerPermit = new ConcurrentBag<string[]>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = gateway.BaseUrl };

        await Parallel.ForEachAsync(Enumerable.Range(0, Rounds), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            var permit = gateway.Issuer.Issue(NewJti(), "invite", null).Token;
            var keys = new List<string>();
            var first = Signups.NewAuthToken(out var firstUser);
            keys.Add(firstUser.PublicKeyZ32);
            using (var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 7))))
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/signup?signup_token=" + Uri.EscapeDataString(permit))
                    {
                        Content = new ByteArrayContent(first),
                    };
                    using var response = await client.SendAsync(request, abort.Token);
                }
                catch (OperationCanceledException)
                {
                    // The reset this test is about.
                }
            }

            // The same permit for other keys: at once, and again once the first signup had time to settle.
            foreach (var pause in new[] { 0, 60 })
            {
                await Task.Delay(pause, CancellationToken.None);
                using var retry = await client.PostSignupAsync(permit, Signups.NewAuthToken(out var other));
                keys.Add(other.PublicKeyZ32);
                statuses.Add(retry.StatusCode);
            }

            keysPerPermit.Add([.. keys]);
        });

        var users = homeserver.Users.ToHashSet(StringComparer.Ordinal);
        var worst = keysPerPermit.Max(keys => keys.Count(users.Contains));
        Assert.True(worst <= 1, $"one permit created {worst} accounts ({mode}); {users.Count} accounts from {Rounds} permits");
        Assert.True(users.Count <= Rounds);
        Assert.DoesNotContain(statuses, s => (int)s >= 500);
    }

    [Theory]
    [InlineData(FakeSignupMode.Open)]
    [InlineData(FakeSignupMode.TokenRequired)]
    public async Task A_signup_whose_answer_came_too_late_keeps_its_permit_consumed_once_the_account_exists(FakeSignupMode mode)
    {
        var (homeserver, gateway) = await StartAsync(mode, TimeoutAfterOneSecond);
        homeserver.SignupAnswerDelay = TimeSpan.FromSeconds(2);
        var permit = gateway.Issuer.Issue(NewJti(), "invite", null);

        var timedOut = await gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out var first));
        await timedOut.AssertProblemAsync(HttpStatusCode.GatewayTimeout, "homeserver-timeout", permit.Token);
        Assert.Contains(first.PublicKeyZ32, homeserver.Users);

        homeserver.SignupAnswerDelay = TimeSpan.Zero;
        var retry = await gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out _));
        await retry.AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used", permit.Token);
        Assert.Single(homeserver.Users);
        Assert.Equal("redeemed", await new RedemptionStore(_db.DataSource, TimeProvider.System).GetStateAsync(permit.Claims.Jti, CancellationToken.None));
    }

    [Fact]
    public async Task A_signup_that_timed_out_before_the_homeserver_used_the_token_is_released_and_the_retry_reuses_the_token()
    {
        var (homeserver, gateway) = await StartAsync(FakeSignupMode.TokenRequired, TimeoutAfterOneSecond);
        homeserver.SignupDelay = TimeSpan.FromSeconds(3);
        var permit = gateway.Issuer.Issue(NewJti(), "invite", null);

        var timedOut = await gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out _));
        await timedOut.AssertProblemAsync(HttpStatusCode.GatewayTimeout, "homeserver-timeout", permit.Token);
        Assert.Empty(homeserver.Users);

        // The homeserver said the minted token is unspent: no account, so the permit is free again.
        homeserver.SignupDelay = TimeSpan.Zero;
        var retry = await gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out var user));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal([user.PublicKeyZ32], homeserver.Users);
        Assert.Equal(1, homeserver.MintedTokenCount);
    }

    [Fact]
    public async Task A_client_that_resets_after_the_homeserver_committed_leaves_the_permit_redeemed_not_released()
    {
        var (homeserver, gateway) = await StartAsync(FakeSignupMode.Open);
        homeserver.SignupAnswerDelay = TimeSpan.FromMilliseconds(500);
        var permit = gateway.Issuer.Issue(NewJti(), "invite", null);

        using (var abort = new CancellationTokenSource())
        {
            var signup = gateway.Client.SendAsync(
                new HttpRequestMessage(HttpMethod.Post, "/signup?signup_token=" + Uri.EscapeDataString(permit.Token))
                {
                    Content = new ByteArrayContent(Signups.NewAuthToken(out var first)),
                },
                abort.Token);
            while (!homeserver.Users.Contains(first.PublicKeyZ32))
            {
                await Task.Delay(5);
            }

            await abort.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signup);
        }

        // The forward outlived the client: the homeserver's 200 was seen and recorded.
        var store = new RedemptionStore(_db.DataSource, TimeProvider.System);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await store.GetStateAsync(permit.Claims.Jti, CancellationToken.None) == "reserved" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal("redeemed", await store.GetStateAsync(permit.Claims.Jti, CancellationToken.None));
        var retry = await gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out _));
        await retry.AssertProblemAsync(HttpStatusCode.Conflict, "permit-already-used", permit.Token);
        Assert.Single(homeserver.Users);
    }

    private static void TimeoutAfterOneSecond(JsonObject config) =>
        config["ReverseProxy"]!["Clusters"]!["homeserver"]!["HttpRequest"]!["ActivityTimeout"] = "00:00:01";
}
