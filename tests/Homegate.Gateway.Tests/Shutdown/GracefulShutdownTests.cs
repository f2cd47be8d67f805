using System.Net;
using Homegate.Fakes;
using Homegate.Fakes.Homeserver;
using Homegate.Gateway.Tests.Health;
using Homegate.Gateway.Tests.Infrastructure;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.DependencyInjection;

namespace Homegate.Gateway.Tests.Shutdown;

/// <summary>Stopping the host: readiness fails first, in-flight signups settle, nothing stays reserved.</summary>
public sealed class GracefulShutdownTests : HomeserverTestBase
{
    private Task<GatewayHost> StartAsync(string grace, string timeout) =>
        GatewayHost.StartAsync(GatewayHost.WriteConfig(TempDirectory, Db, Homeserver, config =>
        {
            config["Homegate"]!["ShutdownGrace"] = grace;
            config["Homegate"]!["ShutdownTimeout"] = timeout;
        }));

    private async Task WaitForSignupAtHomeserverAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Homeserver.SignupRequests.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the signup never reached the homeserver");
            await Task.Delay(20);
        }
    }

    private Task<string?> StateAsync(string jti) =>
        new RedemptionStore(Db.DataSource, TimeProvider.System).GetStateAsync(jti, CancellationToken.None);

    [Fact]
    public async Task A_signup_in_flight_when_the_host_stops_completes_and_is_redeemed_while_readiness_already_fails()
    {
        await using var gateway = await StartAsync(grace: "00:00:01", timeout: "00:00:30");
        Homeserver.SignupDelay = TimeSpan.FromSeconds(2);
        var permit = gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null);
        Assert.Equal(HttpStatusCode.OK, (await Readiness.GetAsync(gateway.Client)).Status);

        var signup = gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out var user));
        await WaitForSignupAtHomeserverAsync();
        Assert.Equal("reserved", await StateAsync(permit.Claims.Jti));

        var stopping = gateway.App.StopAsync();

        // Still accepting during the grace period, but no longer ready.
        using (var probe = new HttpClient { BaseAddress = gateway.BaseUrl })
        {
            var ready = await Readiness.GetAsync(probe);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
            Assert.Equal("unhealthy", ready.Overall);
            Assert.Equal("shutting down", ready.Detail("shutdown"));
            Assert.Equal(HttpStatusCode.OK, (await Readiness.GetAsync(probe, "/healthz/live")).Status);
        }

        Assert.False(signup.IsCompleted);
        using var response = await signup;
        await stopping;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(user.PublicKeyZ32, Homeserver.Users);
        Assert.Equal("redeemed", await StateAsync(permit.Claims.Jti));
    }

    [Fact]
    public async Task A_signup_still_running_at_the_shutdown_timeout_is_cut_off_and_its_permit_released_not_left_reserved()
    {
        var gateway = await StartAsync(grace: "00:00:00", timeout: "00:00:01");
        Homeserver.SignupDelay = TimeSpan.FromSeconds(20);
        var permit = gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null);

        var signup = gateway.Client.PostSignupAsync(permit.Token, Signups.NewAuthToken(out _));
        await WaitForSignupAtHomeserverAsync();
        await gateway.App.StopAsync();

        // The gate settles in its finally once the aborted request unwinds.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string? state;
        while ((state = await StateAsync(permit.Claims.Jti)) == "reserved" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal("released", state);
        await Assert.ThrowsAnyAsync<Exception>(async () => (await signup).EnsureSuccessStatusCode());
        await gateway.DisposeAsync();
    }
}
