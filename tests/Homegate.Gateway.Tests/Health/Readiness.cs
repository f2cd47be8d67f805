using System.Net;
using System.Text.Json;

namespace Homegate.Gateway.Tests.Health;

internal sealed record ReadyAnswer(HttpStatusCode Status, JsonElement Body, string Raw)
{
    public string Overall => Body.GetProperty("status").GetString()!;

    public string Check(string name) => Body.GetProperty("checks").GetProperty(name).GetProperty("status").GetString()!;

    public string Detail(string name) => Body.GetProperty("checks").GetProperty(name).GetProperty("detail").GetString()!;
}

internal static class Readiness
{
    public static async Task<ReadyAnswer> GetAsync(HttpClient client, string path = "/healthz/ready")
    {
        using var response = await client.GetAsync(path);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return new ReadyAnswer(response.StatusCode, JsonDocument.Parse(raw).RootElement.Clone(), raw);
    }

    /// <summary>Probes until <paramref name="done"/> holds (state that changes asynchronously, e.g. a
    /// socket being opened or a file reload), failing with the last answer after <paramref name="within"/>.</summary>
    public static async Task<ReadyAnswer> UntilAsync(HttpClient client, Func<ReadyAnswer, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var answer = await GetAsync(client);
            if (done(answer))
            {
                return answer;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Readiness never reached the expected state; last answer: " + answer.Raw);
            }

            await Task.Delay(100);
        }
    }
}
