using System.Collections.Concurrent;
using System.Net;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.SignupGate;

/// <summary>
/// Issue 10 item 11: by the time a client can read the homeserver's refusal, the permit is released, so
/// a retry sent the moment the refusal arrives is never refused as "in flight".
/// </summary>
public sealed class RetryAfterRefusalTests(GateFixture fixture) : IClassFixture<GateFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_retry_sent_the_moment_a_refusal_arrives_is_never_refused_as_in_flight_under_concurrent_load(bool slowRefusalBody)
    {
        const int Rounds = 200;
        var failures = new ConcurrentBag<string>();
        var client = fixture.Gateway.Client;

        // With a slow network the refusal's status arrives before its body: the client may act on it at once.
        fixture.Homeserver.SignupRefusalTrickle = slowRefusalBody ? TimeSpan.FromMilliseconds(25) : TimeSpan.Zero;
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, Rounds), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, _) =>
            {
                var permit = fixture.Gateway.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), "invite", null).Token;
                var taken = Signups.NewAuthToken(out var existing);
                fixture.Homeserver.AddExistingUser(existing.PublicKeyZ32);

                using var first = new HttpRequestMessage(HttpMethod.Post, "/signup?signup_token=" + Uri.EscapeDataString(permit))
                {
                    Content = new ByteArrayContent(taken),
                };
                using var refused = await client.SendAsync(first, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
                if (refused.StatusCode != HttpStatusCode.Conflict || refused.Content.Headers.ContentType?.MediaType != "text/plain")
                {
                    failures.Add($"first attempt: {(int)refused.StatusCode}");
                    return;
                }

                using var retry = await client.PostSignupAsync(permit, Signups.NewAuthToken(out _));
                if (retry.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"retry: {(int)retry.StatusCode} {await retry.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
            });
        }
        finally
        {
            fixture.Homeserver.SignupRefusalTrickle = TimeSpan.Zero;
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} of {Rounds} rounds failed, e.g. {failures.FirstOrDefault()}");
    }
}
