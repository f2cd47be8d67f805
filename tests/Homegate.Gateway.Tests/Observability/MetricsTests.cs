using System.Net;
using System.Text.Json.Nodes;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Observability;

/// <summary>The Homegate meter counts what the gate and the rate limiter decide.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("homegate-metrics").FullName;
    private MeterRecorder _measurements = null!;
    private TestDatabase _db = null!;
    private FakeHomeserver _homeserver = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _homeserver = await FakeHomeserver.StartAsync();
        _gateway = await GatewayHost.StartAsync(GatewayHost.WriteConfig(_directory, _db, _homeserver, config =>
            config["Homegate"]!["RateLimits"]!["Policies"]!["signup"] = new JsonObject { ["PermitLimit"] = 2, ["Window"] = "01:00:00" }));

        _measurements = new MeterRecorder(_gateway.Services);
        _ = _gateway.Services.GetRequiredService<HomegateMetrics>();
    }

    public async Task DisposeAsync()
    {
        _measurements.Dispose();
        await _gateway.DisposeAsync();
        await _homeserver.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private long Count(string key) => _measurements.Count(key);

    [Fact]
    public async Task A_gate_refusal_a_redeem_and_a_rate_limit_rejection_are_each_counted_with_their_tags()
    {
        var missing = await _gateway.Client.PostSignupAsync(null, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);

        var permit = _gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _))).StatusCode);

        var limited = await _gateway.Client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);

        Assert.Equal(1, Count("homegate.permits.rejected|code=permit-missing"));
        Assert.Equal(1, Count("homegate.permits.redeemed"));
        Assert.Equal(1, Count("homegate.ratelimit.rejections|policy=signup"));
        Assert.Equal(0, Count("homegate.permits.rejected|code=permit-already-used"));
    }
}
