using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Homegate.Fakes.Homeserver;

namespace Homegate.Fakes.Pubky;

/// <summary>
/// <c>homegate-fakes signup --url BASE --permit PERMIT [--grant --homeserver-key Z32]</c>: what a Pubky
/// SDK does to sign up, with a fresh user key. Prints one JSON line: the user, the status and the body.
/// </summary>
public static class SignupClientCommand
{
    public static async Task<int> RunSignupAsync(string[] args)
    {
        var url = CommandLine.Option(args, "--url");
        var permit = CommandLine.Option(args, "--permit");
        if (url is null)
        {
            await Console.Error.WriteLineAsync("usage: signup --url BASE [--permit PERMIT] [--grant --homeserver-key Z32]");
            return 2;
        }

        var user = UserKey.Generate();
        var grant = args.Contains("--grant");
        var query = permit is null ? "" : "?signup_token=" + Uri.EscapeDataString(permit);
        HttpContent content;
        string path;
        if (grant)
        {
            var homeserverKey = CommandLine.Option(args, "--homeserver-key") ?? throw new ArgumentException("--grant needs --homeserver-key");
            content = new StringContent(Grants.Create(user, homeserverKey, DateTimeOffset.UtcNow).Json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            path = "auth/grant/signup";
        }
        else
        {
            content = new ByteArrayContent(AuthTokens.Create(user, DateTimeOffset.UtcNow));
            path = "signup";
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsync(new Uri(new Uri(url.TrimEnd('/') + "/"), path + query), content);
        var body = await response.Content.ReadAsStringAsync();
        var line = new JsonObject
        {
            ["user"] = user.PublicKeyZ32,
            ["status"] = (int)response.StatusCode,
            ["contentType"] = response.Content.Headers.ContentType?.MediaType,
            ["body"] = response.Content.Headers.ContentType?.MediaType switch
            {
                "application/octet-stream" => $"<{body.Length} bytes>",
                "application/json" or "application/problem+json" => JsonNode.Parse(body),
                _ => body,
            },
        };
        Console.Out.WriteLine(line.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));
        return response.IsSuccessStatusCode ? 0 : 1;
    }
}
