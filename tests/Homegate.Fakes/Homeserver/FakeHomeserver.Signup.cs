using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homegate.Fakes.Pubky;
using Homegate.Verification.Crypto;
using Microsoft.AspNetCore.Http;

namespace Homegate.Fakes.Homeserver;

public sealed partial class FakeHomeserver
{
    private const long TimestampWindowMicros = 180L * 1_000_000;
    private const int CrashLengthBelowOrAt = 75;
    private readonly HashSet<string> _seenPopNonces = new(StringComparer.Ordinal);

    /// <summary>An HTTP failure the way the real server writes it: status and plain text.</summary>
    private sealed record Failure(int Status, string Message, bool Crash = false);

    private sealed record AuthOutcome(ParsedAuthToken? Token, Failure? Error);

    private async Task SignupAsync(HttpContext ctx)
    {
        if (await ScriptedAsync(ctx) || await SignupTokenFormatRejectedAsync(ctx))
        {
            return;
        }

        var outcome = VerifyAuthToken(BodyOf(ctx));
        if (outcome.Error is { } error)
        {
            await FailAsync(ctx, error);
            return;
        }

        var user = outcome.Token!.PublicKeyZ32;
        if (CreateUser(user, ctx.Request.Query["signup_token"].FirstOrDefault(), ctx.Request.Query.ContainsKey("signup_token")) is { } refused)
        {
            await RefuseSignupAsync(ctx, refused);
            return;
        }

        await AnswerDelayAsync();

        await WriteSessionAsync(ctx, user, outcome.Token.Capabilities);
    }

    private async Task GrantSignupAsync(HttpContext ctx)
    {
        if (await ScriptedAsync(ctx) || await SignupTokenFormatRejectedAsync(ctx))
        {
            return;
        }

        var (issuer, error) = VerifyGrantBody(ctx);
        if (error is not null)
        {
            await FailAsync(ctx, error);
            return;
        }

        if (CreateUser(issuer!, ctx.Request.Query["signup_token"].FirstOrDefault(), ctx.Request.Query.ContainsKey("signup_token")) is { } refused)
        {
            await RefuseSignupAsync(ctx, refused);
            return;
        }

        await AnswerDelayAsync();

        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>A signup refusal, its body trickled when <see cref="SignupRefusalTrickle"/> is set: the
    /// status line and the first byte leave at once, the rest after the delay (a slow network).</summary>
    private async Task RefuseSignupAsync(HttpContext ctx, Failure failure)
    {
        if (SignupRefusalTrickle <= TimeSpan.Zero || failure.Crash || failure.Message.Length < 2)
        {
            await FailAsync(ctx, failure);
            return;
        }

        ctx.Response.StatusCode = failure.Status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync(failure.Message[..1], ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        await Task.Delay(SignupRefusalTrickle, ctx.RequestAborted);
        await ctx.Response.WriteAsync(failure.Message[1..], ctx.RequestAborted);
    }

    private Task AnswerDelayAsync() =>
        SignupAnswerDelay > TimeSpan.Zero ? Task.Delay(SignupAnswerDelay, CancellationToken.None) : Task.CompletedTask;

    /// <summary>Applies <see cref="SignupDelay"/> and answers from <see cref="NextSignupResponses"/> if one is queued.</summary>
    private async Task<bool> ScriptedAsync(HttpContext ctx)
    {
        if (SignupDelay > TimeSpan.Zero)
        {
            await Task.Delay(SignupDelay, ctx.RequestAborted);
        }

        if (!NextSignupResponses.TryDequeue(out var status))
        {
            return false;
        }

        var text = status switch
        {
            409 => "User already exists",
            401 => "Invalid token",
            400 => "Token required",
            _ => ReasonPhrase(status),
        };
        if (status is 204 or 304)
        {
            ctx.Response.StatusCode = status;
        }
        else
        {
            await Text(ctx, status, text);
        }

        return true;
    }

    /// <summary>v0.10 parses <c>signup_token</c> before anything else: a malformed one is a 400 even in open mode.</summary>
    private static async Task<bool> SignupTokenFormatRejectedAsync(HttpContext ctx)
    {
        if (!ctx.Request.Query.TryGetValue("signup_token", out var values) || Pubky.SignupTokens.IsValidFormat(values.ToString()))
        {
            return false;
        }

        await Text(ctx, StatusCodes.Status400BadRequest, "Invalid signup token format: Invalid signup code id");
        return true;
    }

    /// <summary>pubky-common's <c>AuthVerifier::verify</c>, including its crash on short bodies and its replay guard.</summary>
    private AuthOutcome VerifyAuthToken(byte[] body)
    {
        // The real code reads bytes[75] unchecked: a body of 75 bytes or fewer panics the handler.
        if (body.Length <= CrashLengthBelowOrAt)
        {
            return new AuthOutcome(null, new Failure(500, "", Crash: true));
        }

        if (body[AuthTokens.TimestampOffset] > 0)
        {
            return new AuthOutcome(null, new Failure(400, "Unknown version"));
        }

        if (!AuthTokens.TryParse(body, out var token))
        {
            return new AuthOutcome(null, new Failure(400, "Hit the end of buffer, expected more data"));
        }

        // Any version other than 0 reaches `unreachable!()` in the real verifier.
        if (token.Version != 0)
        {
            return new AuthOutcome(null, new Failure(500, "", Crash: true));
        }

        var nowMicros = (_options.TimeProvider.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        var diff = (long)token.TimestampMicros - nowMicros;
        if (diff > TimestampWindowMicros)
        {
            return new AuthOutcome(null, new Failure(400, "AuthToken has a timestamp that is more than 3 minutes in the future"));
        }

        if (diff < -TimestampWindowMicros)
        {
            return new AuthOutcome(null, new Failure(400, "AuthToken has a timestamp that is more than 3 minutes in the past"));
        }

        if (!AuthTokens.VerifySignature(body, token))
        {
            return new AuthOutcome(null, new Failure(400, "Invalid Signature"));
        }

        lock (_seenAuthTokens)
        {
            var cutoff = (ulong)Math.Max(0, nowMicros - 2 * TimestampWindowMicros);
            _seenAuthTokens.RemoveWhere(id => id.Timestamp < cutoff);
            if (!_seenAuthTokens.Add((token.TimestampMicros, token.PublicKeyZ32)))
            {
                return new AuthOutcome(null, new Failure(400, "AuthToken already used"));
            }
        }

        return new AuthOutcome(token, null);
    }

    private (string? Issuer, Failure? Error) VerifyGrantBody(HttpContext ctx)
    {
        if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return (null, new Failure(415, "Expected request with `Content-Type: application/json`"));
        }

        string? grant, pop;
        try
        {
            var json = JsonNode.Parse(BodyOf(ctx));
            grant = json?["grant"]?.GetValue<string>();
            pop = json?["pop"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, new Failure(400, "Failed to parse the request body as JSON"));
        }

        if (grant is null || pop is null)
        {
            return (null, new Failure(422, "Failed to deserialize the JSON body into the target type: missing field"));
        }

        var now = _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (!Jws.TryDecode(grant, out var gh, out var gp, out var gsig, out var ginput) ||
            Str(gp, "iss") is not { } iss || !ZBase32.TryDecodePublicKey(iss, out var issKey) ||
            Str(gp, "jti") is not { } jti || Str(gp, "cnf") is not { } cnf || !ZBase32.TryDecodePublicKey(cnf, out var cnfKey) ||
            Num(gp, "exp") is not { } exp)
        {
            return (null, new Failure(400, "Invalid grant: invalid grant format"));
        }

        if (Str(gh, "alg") != "EdDSA" || !Ed25519Keys.Verify(issKey, ginput, gsig))
        {
            return (null, new Failure(400, "Invalid grant: invalid grant signature"));
        }

        if (Str(gh, "typ") != "pubky-grant")
        {
            return (null, new Failure(400, "Invalid grant: invalid grant header type, expected pubky-grant"));
        }

        if (exp <= now)
        {
            return (null, new Failure(400, "Invalid grant: grant has expired"));
        }

        if (!Jws.TryDecode(pop, out var ph, out var pp, out var psig, out var pinput) || Str(ph, "alg") != "EdDSA" ||
            !Ed25519Keys.Verify(cnfKey, pinput, psig))
        {
            return (null, new Failure(401, "Invalid PoP proof: invalid PoP signature"));
        }

        if (Str(ph, "typ") != "pubky-pop")
        {
            return (null, new Failure(401, "Invalid PoP proof: invalid PoP header type, expected pubky-pop"));
        }

        if (Str(pp, "aud") != PublicKeyZ32)
        {
            return (null, new Failure(401, "Invalid PoP proof: PoP audience mismatch"));
        }

        if (Str(pp, "gid") != jti)
        {
            return (null, new Failure(401, "Invalid PoP proof: PoP grant ID mismatch"));
        }

        if (Num(pp, "iat") is not { } iat || Math.Abs(now - iat) > 180)
        {
            return (null, new Failure(401, "Invalid PoP proof: PoP timestamp out of range"));
        }

        lock (_seenPopNonces)
        {
            if (!_seenPopNonces.Add(Str(pp, "nonce") ?? ""))
            {
                return (null, new Failure(401, "PoP nonce already used"));
            }
        }

        return (iss, null);
    }

    /// <summary>The real order: user exists (409), then, when tokens are required, missing/unknown/used token.</summary>
    private Failure? CreateUser(string user, string? signupToken, bool tokenGiven)
    {
        lock (_stateLock)
        {
            if (_users.Contains(user))
            {
                return new Failure(409, "User already exists");
            }

            if (SignupMode == FakeSignupMode.TokenRequired)
            {
                if (!tokenGiven || signupToken is null)
                {
                    return new Failure(400, "Token required");
                }

                if (!_signupTokens.TryGetValue(signupToken, out var usedBy))
                {
                    return new Failure(401, "Invalid token");
                }

                if (usedBy is not null)
                {
                    return new Failure(401, "Token already used");
                }

                _signupTokens[signupToken] = user;
            }

            _users.Add(user);
            return null;
        }
    }

    private async Task WriteSessionAsync(HttpContext ctx, string user, string capabilities)
    {
        var secret = RandomText(20);
        _sessions[secret] = user;
        var cookie = $"{user}={secret}; Path=/; HttpOnly; Max-Age=31536000; Expires=" +
                     _options.TimeProvider.GetUtcNow().AddYears(1).ToString("R", CultureInfo.InvariantCulture);
        if (IsSecureHost(ctx.Request.Host.Host))
        {
            cookie += "; Secure; SameSite=None";
        }

        ctx.Response.Headers.Append("Set-Cookie", cookie);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/octet-stream";
        await ctx.Response.Body.WriteAsync(SessionBytes(user, capabilities), ctx.RequestAborted);
    }

    /// <summary>A small postcard-like session: version 0, LEB128-prefixed user key and capabilities.</summary>
    private static byte[] SessionBytes(string user, string capabilities)
    {
        var u = Encoding.UTF8.GetBytes(user);
        var c = Encoding.UTF8.GetBytes(capabilities);
        return [0, (byte)u.Length, .. u, (byte)Math.Min(c.Length, 127), .. c.AsSpan(0, Math.Min(c.Length, 127))];
    }

    private Task FailAsync(HttpContext ctx, Failure failure)
    {
        if (failure.Crash)
        {
            Interlocked.Increment(ref _crashCount);
            ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        }

        return Text(ctx, failure.Status, failure.Message);
    }

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long? Num(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
