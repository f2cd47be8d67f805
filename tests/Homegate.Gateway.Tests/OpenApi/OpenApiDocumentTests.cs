using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Gateway.Tests.Deployment;
using Homegate.Gateway.Tests.Infrastructure;

namespace Homegate.Gateway.Tests.OpenApi;

/// <summary>The served OpenAPI document and the committed <c>docs/openapi.json</c> must not drift.</summary>
public sealed class OpenApiDocumentTests(GateFixture fixture) : IClassFixture<GateFixture>
{
    private const string CommittedFile = "docs/openapi.json";
    private const string UpdateVariable = "HOMEGATE_UPDATE_OPENAPI";

    [Fact]
    public async Task Served_document_matches_the_committed_docs_openapi_json()
    {
        var served = Normalise(await FetchAsync());
        var path = RepositoryFiles.PathOf(CommittedFile);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return;
        }

        Assert.True(File.Exists(path), $"{CommittedFile} is missing. Regenerate it with: {Regenerate}");
        var committed = Normalise(JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject());
        Assert.True(
            JsonNode.DeepEquals(served, committed),
            $"{CommittedFile} differs from GET /openapi/v1.json (an endpoint or contract changed). " +
            $"Review the change, then regenerate the file with: {Regenerate}\nFirst difference: {FirstDifference(committed, served, "$")}");
    }

    [Fact]
    public async Task Document_describes_own_endpoints_and_not_the_proxied_homeserver()
    {
        var document = await FetchAsync();
        Assert.Equal("Homegate", document["info"]!["title"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/sms_verification/send_code", paths);
        Assert.Contains("/sms_verification/verify_code", paths);
        Assert.Contains("/sms_verification/status/{phoneNumber}", paths);
        Assert.Contains("/ln_verification", paths);
        Assert.Contains("/ln_verification/{verificationId}/await", paths);
        Assert.Contains("/.well-known/homegate/permit-keys", paths);
        Assert.DoesNotContain(paths, p => p.Contains("signup", StringComparison.Ordinal) || p.Contains("catch-all", StringComparison.Ordinal));

        var problem = document["components"]!["schemas"]!["Problem"]!["properties"]!.AsObject();
        Assert.True(problem.ContainsKey("code") && problem.ContainsKey("traceId"), "The problem schema must show code and traceId.");
        var tooMany = document["paths"]!["/sms_verification/send_code"]!["post"]!["responses"]!["429"]!["content"]!.AsObject();
        Assert.True(tooMany.ContainsKey("application/problem+json"));
    }

    [Fact]
    public async Task Document_is_served_by_homegate_not_forwarded_to_the_homeserver()
    {
        fixture.Homeserver.ClearRecorded();
        var response = await fixture.Gateway.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(fixture.Homeserver.Requests);
    }

    private static string Regenerate =>
        $"{UpdateVariable}=1 scripts/test --filter {nameof(OpenApiDocumentTests)} (rewrites {CommittedFile}; review and commit the diff)";

    private async Task<JsonObject> FetchAsync()
    {
        var response = await fixture.Gateway.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Without the server URL (the test host listens on a random port).</summary>
    private static JsonObject Normalise(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        copy.Remove("servers");
        return copy;
    }

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
            {
                if (!JsonNode.DeepEquals(e[key], a[key]))
                {
                    return FirstDifference(e[key], a[key], $"{path}.{key}");
                }
            }
        }
        else if (expected is JsonArray ea && actual is JsonArray aa && ea.Count == aa.Count)
        {
            for (var i = 0; i < ea.Count; i++)
            {
                if (!JsonNode.DeepEquals(ea[i], aa[i]))
                {
                    return FirstDifference(ea[i], aa[i], $"{path}[{i}]");
                }
            }
        }

        return $"{path}: committed {expected?.ToJsonString() ?? "(absent)"}, served {actual?.ToJsonString() ?? "(absent)"}";
    }
}
