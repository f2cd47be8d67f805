using System.Globalization;
using System.Net;
using Homegate.Verification.Crypto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Homegate.Fakes.Homeserver;

public sealed partial class FakeHomeserver
{
    private const string BodyItem = "fake.body";

    private void MapClient(WebApplication app)
    {
        app.Use(RecordAsync);
        if (_options.Cors)
        {
            app.Use(CorsAsync);
        }
        app.MapPost("/signup", SignupAsync);
        app.MapPost("/auth/grant/signup", GrantSignupAsync);
        app.MapGet("/", ctx => Text(ctx, StatusCodes.Status200OK, "Pubky Homeserver"));
        app.MapMethods("/session", ["GET", "POST", "DELETE"], SessionAsync);
        app.MapGet("/events/", ctx => Text(ctx, StatusCodes.Status200OK, ""));
        app.MapGet("/events-stream", EventsStreamAsync);
        app.MapGet("/signup_tokens/{token}", SignupTokenStatusAsync);
        app.MapMethods("/{*path}", ["GET", "HEAD", "PUT", "DELETE"], StorageAsync);
    }

    private async Task RecordAsync(HttpContext ctx, RequestDelegate next)
    {
        if (Down)
        {
            ctx.Abort();
            return;
        }

        // Large bodies are counted, not kept: tests of size limits must not bloat the test process.
        var (body, length) = await ReadBodyAsync(ctx);
        ctx.Items[BodyItem] = body;

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in ctx.Request.Headers)
        {
            headers[name] = string.Join(", ", values.ToArray());
        }

        var recorded = new RecordedRequest
        {
            Method = ctx.Request.Method,
            Path = ctx.Request.Path.Value ?? "/",
            RawTarget = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "",
            QueryString = ctx.Request.QueryString.Value ?? "",
            Headers = headers,
            Body = body,
            BodyLength = length,
            RemoteIp = ctx.Connection.RemoteIpAddress?.ToString(),
            Tenant = Tenant(ctx),
            ReceivedAt = _options.TimeProvider.GetUtcNow(),
        };
        Record(recorded);
        await next(ctx);
        recorded.ResponseStatus = ctx.Response.StatusCode;
    }

    /// <summary>
    /// CORS like the real client API (tower-http's <c>CorsLayer::very_permissive()</c> around every route):
    /// a request with <c>Origin</c> gets it echoed with credentials allowed; a preflight is answered 200
    /// here, mirroring the requested method and headers, without reaching a route.
    /// </summary>
    private static Task CorsAsync(HttpContext ctx, RequestDelegate next)
    {
        var origin = ctx.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return next(ctx);
        }

        var headers = ctx.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowCredentials = "true";
        headers.Vary = "origin, access-control-request-method, access-control-request-headers";
        if (HttpMethods.IsOptions(ctx.Request.Method) && ctx.Request.Headers.ContainsKey("Access-Control-Request-Method"))
        {
            headers.AccessControlAllowMethods = ctx.Request.Headers.AccessControlRequestMethod;
            headers.AccessControlAllowHeaders = ctx.Request.Headers.AccessControlRequestHeaders;
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }

        return next(ctx);
    }

    private static byte[] BodyOf(HttpContext ctx) => (byte[])ctx.Items[BodyItem]!;

    private static async Task<(byte[] Body, long Length)> ReadBodyAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is not > LargeBodyBytes)
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            return (buffer.ToArray(), buffer.Length);
        }

        var chunk = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            total += read;
        }

        return ([], total);
    }

    /// <summary>Tenant as the real server resolves it: Host (when a key), <c>pubky-host</c> header, then query.</summary>
    private static string? Tenant(HttpContext ctx)
    {
        var host = ctx.Request.Host.Host;
        if (ZBase32.TryDecodePublicKey(host, out _))
        {
            return host;
        }

        if (ctx.Request.Headers["pubky-host"].ToString() is { Length: > 0 } header)
        {
            return header;
        }

        return ctx.Request.Query["pubky-host"].ToString() is { Length: > 0 } query ? query : null;
    }

    private async Task SessionAsync(HttpContext ctx)
    {
        switch (ctx.Request.Method)
        {
            case "POST":
                // Sign-in with an AuthToken for an existing user.
                var outcome = VerifyAuthToken(BodyOf(ctx));
                if (outcome.Error is { } error)
                {
                    await FailAsync(ctx, error);
                    return;
                }

                bool exists;
                lock (_stateLock)
                {
                    exists = _users.Contains(outcome.Token!.PublicKeyZ32);
                }

                if (!exists)
                {
                    await Text(ctx, StatusCodes.Status404NotFound, "Not Found");
                    return;
                }

                await WriteSessionAsync(ctx, outcome.Token!.PublicKeyZ32, outcome.Token.Capabilities);
                return;
            case "GET":
                if (SessionUser(ctx) is not { } user)
                {
                    await Text(ctx, StatusCodes.Status401Unauthorized, "Unauthorized");
                    return;
                }

                await Text(ctx, StatusCodes.Status200OK, user.User);
                return;
            default:
                if (SessionUser(ctx) is not { } signedIn)
                {
                    await Text(ctx, StatusCodes.Status401Unauthorized, "Unauthorized");
                    return;
                }

                _sessions.TryRemove(signedIn.Secret, out _);
                ctx.Response.Headers.Append("Set-Cookie", signedIn.User + "=; Path=/; HttpOnly; Max-Age=0");
                ctx.Response.StatusCode = StatusCodes.Status200OK;
                return;
        }
    }

    private (string User, string Secret)? SessionUser(HttpContext ctx)
    {
        var tenant = Tenant(ctx);
        foreach (var (name, value) in ctx.Request.Cookies)
        {
            if ((tenant is null || tenant == name) && _sessions.TryGetValue(value, out var user) && user == name)
            {
                return (user, value);
            }
        }

        return null;
    }

    private async Task EventsStreamAsync(HttpContext ctx)
    {
        ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var ct = ctx.RequestAborted;
        try
        {
            for (var n = 0; !ct.IsCancellationRequested; n++)
            {
                var stamp = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
                await ctx.Response.WriteAsync(
                    string.Create(CultureInfo.InvariantCulture, $"id: {n}\nevent: PUT\ndata: pubky://fake/pub/event/{n} {stamp}\n\n"), ct);
                await ctx.Response.Body.FlushAsync(ct);
                await Task.Delay(_options.EventInterval, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away: the stream ends, as the real one does.
        }
        catch (IOException)
        {
        }
    }

    private async Task SignupTokenStatusAsync(HttpContext ctx)
    {
        var token = ctx.Request.RouteValues["token"]?.ToString() ?? "";
        if (SignupMode != FakeSignupMode.TokenRequired)
        {
            await Text(ctx, StatusCodes.Status400BadRequest, "Signup tokens not required");
            return;
        }

        if (!Pubky.SignupTokens.IsValidFormat(token))
        {
            await Text(ctx, StatusCodes.Status400BadRequest, "Invalid signup token format: Invalid signup code id");
            return;
        }

        bool known;
        string? usedBy;
        lock (_stateLock)
        {
            known = _signupTokens.TryGetValue(token, out usedBy);
        }

        if (!known)
        {
            await Text(ctx, StatusCodes.Status404NotFound, "Token not found");
            return;
        }

        ctx.Response.Headers.CacheControl = "no-store";
        await Json(ctx, StatusCodes.Status200OK, new System.Text.Json.Nodes.JsonObject
        {
            ["status"] = usedBy is null ? "valid" : "used",
            ["created_at"] = "2026-01-01T00:00:00+00:00",
        });
    }

    private async Task StorageAsync(HttpContext ctx)
    {
        var key = (Tenant(ctx) ?? "") + (ctx.Request.Path.Value ?? "/");
        switch (ctx.Request.Method)
        {
            case "PUT":
                var body = BodyOf(ctx);
                var hash = NSec.Cryptography.HashAlgorithm.Blake2b_256.Hash(body);
                _storage[key] = new StoredObject(
                    body,
                    ctx.Request.ContentType is { Length: > 0 } type ? type : "application/octet-stream",
                    "\"" + Convert.ToHexStringLower(hash) + "\"",
                    _options.TimeProvider.GetUtcNow());
                ctx.Response.StatusCode = StatusCodes.Status201Created;
                return;
            case "DELETE":
                if (!_storage.TryRemove(key, out _))
                {
                    await Text(ctx, StatusCodes.Status404NotFound, "Not Found");
                    return;
                }

                ctx.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            default:
                if (!_storage.TryGetValue(key, out var stored))
                {
                    await Text(ctx, StatusCodes.Status404NotFound, "Not Found");
                    return;
                }

                ctx.Response.Headers.ETag = stored.ETag;
                ctx.Response.Headers.LastModified = stored.LastModified.ToString("R", CultureInfo.InvariantCulture);
                if (IfNoneMatch(ctx, stored.ETag))
                {
                    ctx.Response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }

                ctx.Response.StatusCode = StatusCodes.Status200OK;
                ctx.Response.ContentType = stored.ContentType;
                ctx.Response.ContentLength = stored.Body.Length;
                if (!HttpMethods.IsHead(ctx.Request.Method))
                {
                    await ctx.Response.Body.WriteAsync(stored.Body, ctx.RequestAborted);
                }

                return;
        }
    }

    private static bool IfNoneMatch(HttpContext ctx, string etag)
    {
        foreach (var value in ctx.Request.Headers.IfNoneMatch)
        {
            foreach (var candidate in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
                if (tag == "*" || tag == etag)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsSecureHost(string host) =>
        ZBase32.TryDecodePublicKey(host, out _) ||
        (!IPAddress.TryParse(host.Trim('[', ']'), out _) && host.Contains('.', StringComparison.Ordinal));
}
