using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Homegate.Fakes.Homeserver;

public sealed partial class FakeHomeserver
{
    private int _adminPasswordRefusals;

    /// <summary>Admin API requests refused 401 for a missing or wrong password.</summary>
    public int AdminPasswordRefusals => Volatile.Read(ref _adminPasswordRefusals);

    private void MapAdmin(WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            // The real admin API answers 401 in plain text for a missing or wrong password.
            var given = ctx.Request.Headers["X-Admin-Password"].ToString();
            if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(AdminPassword)))
            {
                Interlocked.Increment(ref _adminPasswordRefusals);
                await Text(ctx, StatusCodes.Status401Unauthorized, "Unauthorized");
                return;
            }

            await next(ctx);
        });
        app.MapGet("/info", InfoAsync);
        app.MapMethods("/generate_signup_token", ["GET", "POST"], GenerateSignupTokenAsync);
    }

    private Task InfoAsync(HttpContext ctx)
    {
        int users, codes, unused;
        lock (_stateLock)
        {
            users = _users.Count;
            codes = _signupTokens.Count;
            unused = _signupTokens.Values.Count(v => v is null);
        }

        var body = new JsonObject
        {
            ["public_key"] = PublicKeyZ32,
            ["pkarr_pubky_address"] = null,
            ["num_users"] = users,
            ["num_disabled_users"] = 0,
            ["total_disk_used_mb"] = 0.0,
            ["num_signup_codes"] = codes,
            ["num_unused_signup_codes"] = unused,
            ["version"] = "0.10.0-fake",
        };
        return Json(ctx, StatusCodes.Status200OK, body);
    }

    private async Task GenerateSignupTokenAsync(HttpContext ctx)
    {
        // POST carries an optional JSON quota body; the fake accepts and ignores it.
        await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted);
        var token = AddSignupToken();
        Interlocked.Increment(ref _mintedTokenCount);
        await Text(ctx, StatusCodes.Status200OK, token);
    }

    private static Task Text(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(text, ctx.RequestAborted);
    }

    private static Task Json(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }
}
