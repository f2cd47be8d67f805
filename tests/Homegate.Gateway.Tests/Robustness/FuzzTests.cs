using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Homegate.Fakes;
using Homegate.Fakes.Pubky;
using Homegate.Verification.Permits;
using Xunit.Abstractions;

namespace Homegate.Gateway.Tests.Robustness;

/// <summary>
/// Issue 10, item 8: 10,000 random and mutated requests (bodies, headers, permits, paths) at every
/// endpoint, homegate's own and the gated signup paths. No answer may be a 5xx other than 502/503/504,
/// and nothing may be logged at Error level. The seed is printed so a failure can be replayed.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class FuzzTests(ITestOutputHelper output) : FullGatewayTestBase
{
    private const int Requests = 10_000;

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/octet-stream", "a/b;;;c=", "application/json; charset=latin1", "*/*", "",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FUZZ"];

    [Fact]
    public async Task Ten_thousand_random_and_mutated_requests_get_no_500s_and_no_error_logs()
    {
        var seed = Environment.GetEnvironmentVariable("HOMEGATE_FUZZ_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (HOMEGATE_FUZZ_SEED replays it)");
        var permits = Permits();
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var random = new Random(HashCode.Combine(seed, i));
            using var request = NewRequest(random, permits, out var description);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                using var response = await Client.SendAsync(request, cts.Token);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status >= 500 && status is not (502 or 503 or 504))
                {
                    failures.Enqueue($"{status} for {description}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures.Enqueue($"no answer ({e.GetType().Name}: {e.Message}) for {description}");
            }
        });

        output.WriteLine(string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
        Assert.True(failures.IsEmpty, $"seed {seed}:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(ErrorLogs.Count == 0, $"seed {seed}:\n" + string.Join("\n", ErrorLogs.Take(10)));
        Assert.Equal(Requests, statuses.Values.Sum());
        Assert.True(statuses.Keys.Any(k => k is >= 200 and < 300) && statuses.Keys.Count(k => k is >= 400 and < 500) > 3,
            "the fuzzer should reach successes and several kinds of refusal");
    }

    /// <summary>Valid permits, including validly signed ones at the edges of time, to mutate.</summary>
    private List<string> Permits()
    {
        var user = UserKey.Generate().PublicKeyZ32;
        return
        [
            Host.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, null).Token,
            Host.Issuer.Issue("inv:" + Guid.NewGuid().ToString("N"), PermitMethods.Invite, user).Token,
            Host.IssuerWith(time: new ManualTimeProvider(new DateTimeOffset(9999, 12, 31, 23, 44, 59, TimeSpan.Zero))).Issue("inv:far", PermitMethods.Invite, null).Token,
            Host.IssuerWith(time: new ManualTimeProvider(new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero))).Issue("inv:early", PermitMethods.Invite, null).Token,
            Host.IssuerWith(issuer: "someone-else").Issue("inv:other", PermitMethods.Invite, null).Token,
        ];
    }

    private HttpRequestMessage NewRequest(Random random, List<string> permits, out string description)
    {
        var (method, path, body) = random.Next(12) switch
        {
            0 => ("POST", "/sms_verification/send_code", SmsSendBody(random)),
            1 => ("POST", "/sms_verification/verify_code", Mutate(random, Encoding.UTF8.GetBytes($$"""{"phoneNumber":"{{Phone(random)}}","code":"{{random.Next(0, 999999):D6}}"}"""))),
            2 => ("GET", "/sms_verification/status/" + Uri.EscapeDataString(random.Next(3) == 0 ? Phone(random) : Junk(random, 20)), null),
            3 => ("POST", "/ln_verification", LightningBody(random)),
            4 => ("GET", "/ln_verification/" + (random.Next(2) == 0 ? Guid.NewGuid().ToString() : Uri.EscapeDataString(Junk(random, 40))) + (random.Next(3) == 0 ? "/await" : ""), null),
            5 => ("POST", "/signup" + PermitQuery(random, permits), Mutate(random, AuthTokens.Create(UserKey.Generate(), DateTimeOffset.UtcNow))),
            6 => ("POST", "/auth/grant/signup" + PermitQuery(random, permits), Mutate(random, Encoding.UTF8.GetBytes(Grants.Create(UserKey.Generate(), Homeserver.PublicKeyZ32, DateTimeOffset.UtcNow).Json))),
            7 => ("GET", random.Next(2) == 0 ? "/.well-known/homegate/permit-keys" : "/healthz/live", null),
            8 => (Methods[random.Next(Methods.Length)], OwnedPath(random), RandomBytes(random, 200)),
            9 => ("POST", SignupSpelling(random) + PermitQuery(random, permits), RandomBytes(random, 300)),
            10 => (Methods[random.Next(Methods.Length)], "/pub/example.com/" + Uri.EscapeDataString(Junk(random, 12)), RandomBytes(random, 100)),
            _ => (Methods[random.Next(Methods.Length)], "/" + Junk(random, 30).Replace("?", "%3F", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal), RandomBytes(random, 100)),
        };
        if (method is "GET" or "HEAD" or "OPTIONS" && random.Next(4) != 0)
        {
            body = null;
        }

        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(Host.BaseUrl.ToString().TrimEnd('/') + path));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            var type = ContentTypes[random.Next(ContentTypes.Length)];
            if (type.Length > 0 && random.Next(5) != 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", path.StartsWith("/sms", StringComparison.Ordinal) && random.Next(2) == 0 ? "application/json" : type);
            }
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("Homegate-Permit", Ascii(MutatePermit(random, permits)));
        }

        if (random.Next(10) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", Ascii(Junk(random, 20)));
        }

        if (random.Next(10) == 0)
        {
            request.Headers.TryAddWithoutValidation("Origin", random.Next(2) == 0 ? "https://app.example" : Ascii(Junk(random, 15)));
            request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", Methods[random.Next(Methods.Length)]);
        }

        description = $"{method} {path} ({body?.Length ?? 0} bytes, {request.Content?.Headers.ContentType})";
        return request;
    }

    private static byte[] SmsSendBody(Random random)
    {
        var pubky = random.Next(3) switch
        {
            0 => "",
            1 => $",\"pubky\":\"{UserKey.Generate().PublicKeyZ32}\"",
            _ => $",\"pubky\":\"{Junk(random, 52)}\"",
        };
        return Mutate(random, Encoding.UTF8.GetBytes($$"""{"phoneNumber":"{{Phone(random)}}"{{pubky}},"dispatchId":"{{Junk(random, 10)}}"}"""));
    }

    private static byte[] LightningBody(Random random)
    {
        var amount = random.Next(5) switch
        {
            0 => "1",
            1 => "1000",
            2 => "99999999999999999999999",
            3 => "-1",
            _ => random.Next().ToString(CultureInfo.InvariantCulture),
        };
        return Mutate(random, Encoding.UTF8.GetBytes($$"""{"amountSat":{{amount}},"description":"{{Junk(random, 40)}}","pubky":"{{UserKey.Generate().PublicKeyZ32}}"}"""));
    }

    private static string PermitQuery(Random random, List<string> permits)
        => random.Next(5) == 0 ? "" : "?signup_token=" + Uri.EscapeDataString(MutatePermit(random, permits));

    private static string MutatePermit(Random random, List<string> permits)
    {
        var permit = permits[random.Next(permits.Count)];
        return random.Next(4) switch
        {
            0 => permit,
            1 => permit[..random.Next(permit.Length)],
            2 => Encoding.ASCII.GetString(Mutate(random, Encoding.ASCII.GetBytes(permit), printable: true)),
            _ => random.Next(2) == 0 ? "XXXX-XXXX-XXXX" : "v4.public." + Junk(random, 300),
        };
    }

    private static string OwnedPath(Random random)
    {
        string[] prefixes = ["/sms_verification", "/ln_verification", "/.well-known/homegate", "/healthz", "/SMS_Verification", "//ln_verification"];
        return prefixes[random.Next(prefixes.Length)] + (random.Next(3) == 0 ? "" : "/" + Uri.EscapeDataString(Junk(random, 15)));
    }

    private static string SignupSpelling(Random random)
    {
        string[] spellings = ["/signup", "/SIGNUP", "/signup/", "//signup", "/%73ignup", "/auth/grant/signup", "/auth//grant/signup/", "/x/../signup"];
        return spellings[random.Next(spellings.Length)];
    }

    private static string Phone(Random random)
        => random.Next(4) == 0 ? Junk(random, 16) : "+3069" + random.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);

    /// <summary>Printable ASCII and a few non-ASCII characters, safe inside JSON strings and URLs once escaped.</summary>
    private static string Junk(Random random, int maxLength)
    {
        const string alphabet = "abcXYZ0189+-_.~ !$&'()*,;=:@/é€💥";
        var builder = new StringBuilder();
        var length = random.Next(maxLength + 1);
        for (var i = 0; i < length; i++)
        {
            var c = alphabet[random.Next(alphabet.Length)];
            if (char.IsSurrogate(c))
            {
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    // HttpClient refuses non-ASCII header values before sending; Kestrel would refuse them too.
    private static string Ascii(string text) => new(text.Where(char.IsAscii).ToArray());

    private static byte[] RandomBytes(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Leaves the input alone, or flips, inserts (invalid UTF-8, quotes, braces), deletes or truncates.</summary>
    private static byte[] Mutate(Random random, byte[] input, bool printable = false)
    {
        var bytes = new List<byte>(input);
        var rounds = random.Next(4);
        for (var r = 0; r < rounds && bytes.Count > 0; r++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = printable ? (byte)random.Next(0x21, 0x7F) : (byte)random.Next(256);
                    break;
                case 1:
                    bytes.InsertRange(at, printable ? [(byte)'%'] : random.Next(3) switch { 0 => [0xC3, 0x28], 1 => [0xFF, 0xFE], _ => "\\u0000\"{["u8.ToArray() });
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(new string('[', random.Next(1, 80))));
                    break;
            }
        }

        return [.. bytes];
    }
}
