using Homegate.Gateway.Codes;
using Homegate.Gateway.Problems;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Observability;
using Homegate.Verification.Permits;
using Homegate.Verification.Redemptions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Homegate.Gateway.SignupGate;

/// <summary>
/// The gate (API.md §3), in YARP's proxy pipeline. For a request whose normalised path is a signup
/// endpoint it checks the permit, parses the body, reserves the permit's jti, mints a homeserver token,
/// lets the request through, then redeems (homeserver answered 2xx) or releases. Every refusal
/// short-circuits with problem+json and nothing reaches the homeserver.
/// <para>
/// Settling happens in the response transform, before the homeserver's answer reaches the client, so a
/// client that retries at once finds the permit already released or redeemed. A forwarded signup does
/// not die with its client: the forward runs on its own cancellation (only homegate stopping ends it), so
/// the homeserver's answer is seen and recorded. An outcome that stays unknown is not a failure (see
/// <see cref="SettleAsync"/>).
/// </para>
/// </summary>
internal sealed partial class SignupGateMiddleware(
    PresentedPermitResolver presented,
    RedemptionStore redemptions,
    Homeservers.HomeserverRegistry homeservers,
    IOptionsMonitor<GateOptions> gate,
    IHostApplicationLifetime lifetime,
    IOptions<HostOptions> host,
    ILogger<SignupGateMiddleware> logger,
    HomegateMetrics? metrics = null)
{
    public const string PermitHeader = "Homegate-Permit";
    public const string PermitQuery = "signup_token";

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var endpoint = SignupPaths.Classify(context);
        if (endpoint == SignupEndpoint.None || HttpMethods.IsOptions(context.Request.Method))
        {
            await next();
            return;
        }

        var feature = await AdmitAsync(context, endpoint);
        if (feature is null)
        {
            if (context.Features.Get<ForeignCodeFeature>() is { } foreign)
            {
                await next();
                presented.Forwarded(context, foreign);
            }

            return;
        }

        feature.Settler = SettleAsync;
        context.Features.Set(feature);

        // YARP cancels the upstream request with HttpContext.RequestAborted; a client that resets the
        // connection must not hide the homeserver's answer. The body is already buffered.
        var clientAborted = context.RequestAborted;
        using var forward = new CancellationTokenSource();
        using var onStopping = lifetime.ApplicationStopping.Register(() => forward.CancelAfter(host.Value.ShutdownTimeout));
        using var onAbort = clientAborted.Register(() =>
        {
            // Kestrel aborts what is left when the shutdown timeout ends: then the forward ends too.
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                forward.Cancel();
            }
        });
        context.RequestAborted = forward.Token;
        var completed = false;
        try
        {
            await next();
            completed = true;
        }
        finally
        {
            context.RequestAborted = clientAborted;

            // The response transform settles whatever was sent; when it never ran, nothing was forwarded
            // (e.g. no destination) unless the pipeline threw, which leaves the outcome unknown.
            await feature.SettleOnceAsync(completed ? UpstreamOutcome.NotSent : UpstreamOutcome.Unknown);
        }
    }

    private async Task<SignupGateFeature?> AdmitAsync(HttpContext context, SignupEndpoint endpoint)
    {
        var permit = ReadPermit(context.Request);
        if (permit is null)
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "permit-missing", "Signup permit required",
                $"Send a signup permit in the '{PermitQuery}' query parameter or the '{PermitHeader}' header.");
            return null;
        }

        var resolved = await presented.ResolveAsync(context, permit);
        if (resolved.Answered)
        {
            return null;
        }

        var check = resolved.Check;
        switch (check.Failure)
        {
            case PermitFailure.None:
                break;
            case PermitFailure.Expired:
                await Refuse(context, StatusCodes.Status403Forbidden, "permit-expired", "Signup permit expired",
                    "The permit is outside its validity window; verify again to get a new one.");
                return null;
            case PermitFailure.WrongAudience:
                await Refuse(context, StatusCodes.Status403Forbidden, "permit-wrong-audience", "Signup permit is for another homeserver",
                    "The permit was issued for a different homeserver.");
                return null;
            default:
                await Refuse(context, StatusCodes.Status403Forbidden, "permit-invalid", "Signup permit invalid",
                    "The permit is malformed, has a bad signature, an unknown key or a wrong issuer.");
                return null;
        }

        var claims = check.Claims!;
        var homeserver = Homeserver(context);
        var body = await ReadBodyAsync(context);
        var subject = "";
        var problem = $"The signup body exceeds {SignupBody.MaxBytes} bytes.";
        var parsed = body is not null && (endpoint == SignupEndpoint.Signup
            ? SignupBody.TryReadAuthTokenSubject(body, out subject, out problem)
            : SignupBody.TryReadGrantSubject(body, out subject, out problem));
        if (!parsed)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "invalid-signup-body", "Signup body invalid", problem);
            return null;
        }

        if (resolved.Foreign)
        {
            // ForwardHomeserverCodes: not homegate's code; the homeserver judges it (the transform forwards it).
            context.Features.Set(new ForeignCodeFeature(permit.Trim()));
            UseBody(context, body!);
            return null;
        }

        if (claims.Subject is not null && !string.Equals(claims.Subject, subject, StringComparison.Ordinal))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "permit-subject-mismatch", "Signup permit is bound to another key",
                "The permit was issued for a different public key than the one signing up.");
            return null;
        }

        Reservation? reservation;
        try
        {
            reservation = await redemptions.TryReserveAsync(claims.Jti, claims.Method, claims.Expires, gate.CurrentValue.ReservationLease, homeserver.Options.SignupMode == SignupMode.TokenRequired, CancellationToken.None);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            LogStorageFailure(e);
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage unavailable",
                "The signup cannot be checked right now; try again shortly.", TimeSpan.FromSeconds(5));
            return null;
        }

        if (reservation is null)
        {
            await Refuse(context, StatusCodes.Status409Conflict, "permit-already-used", "Signup permit already used",
                "This permit has been redeemed or is in use by another signup right now.");
            return null;
        }

        var token = await ObtainHomeserverTokenAsync(context, homeserver, reservation);
        if (token.Failed)
        {
            return null;
        }

        UseBody(context, body!);
        return new SignupGateFeature(reservation, token.Value);
    }

    /// <summary>The body was consumed for parsing: hand YARP the same bytes.</summary>
    private static void UseBody(HttpContext context, byte[] body)
    {
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.ContentLength = body.Length;
        context.Request.Headers.TransferEncoding = default;
    }

    /// <summary>The homeserver of the request's host (several homeservers), else the shorthand's one.</summary>
    private Homeservers.HomeserverEntry Homeserver(HttpContext context) =>
        context.Features.Get<Homeservers.HomeserverEntry>() ?? homeservers.Single
        ?? throw new InvalidOperationException("A signup reached the gate without a homeserver.");

    private async Task<(bool Failed, string? Value)> ObtainHomeserverTokenAsync(HttpContext context, Homeservers.HomeserverEntry homeserver, Reservation reservation)
    {
        if (homeserver.Options.SignupMode == SignupMode.Open)
        {
            return (false, null);
        }

        if (reservation.HomeserverToken is { } kept)
        {
            return (false, kept);
        }

        try
        {
            var minted = await homeserver.Admin.MintSignupTokenAsync(context.RequestAborted);
            await redemptions.AttachHomeserverTokenAsync(reservation, minted, context.RequestAborted);
            return (false, minted);
        }
        catch (HomeserverAdminException e)
        {
            LogMintFailed(homeserver.Name, e.Message);
            await ReleaseQuietlyAsync(reservation);
            await Refuse(context, StatusCodes.Status502BadGateway, "homeserver-unavailable", "Homeserver unavailable",
                "The homeserver's admin API could not issue a signup token.");
            return (true, null);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            LogStorageFailure(e);
            await ReleaseQuietlyAsync(reservation);
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage unavailable",
                "The signup cannot be recorded right now; try again shortly.", TimeSpan.FromSeconds(5));
            return (true, null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await ReleaseQuietlyAsync(reservation);
            return (true, null);
        }
    }

    /// <summary>
    /// Records the outcome of a forwarded signup. Answered: 2xx redeems, anything else releases. Not sent:
    /// releases. Unknown (API.md §3 step 5, "an unknown outcome is not a failure"): in TokenRequired mode
    /// the homeserver is asked whether the minted token was spent (used → redeemed, valid → released; the
    /// token stays with the row, so a retry can never create a second account); when it cannot tell, the
    /// reservation stays until its lease expires and a retry reuses the token. In Open mode nothing could
    /// stop a second account, so the permit stays consumed.
    /// </summary>
    private async Task SettleAsync(SignupGateFeature feature, UpstreamOutcome outcome)
    {
        var id = ShortId(feature.Reservation.Jti);
        var redeem = outcome == UpstreamOutcome.Answered && feature.UpstreamStatus is >= 200 and < 300;
        if (outcome == UpstreamOutcome.Unknown)
        {
            var state = feature.HomeserverToken is { } token && Uri.TryCreate(feature.DestinationPrefix, UriKind.Absolute, out var upstream)
                // Asks the client API the signup went to (DestinationPrefix); any admin client will do.
                ? await homeservers.All[0].Admin.GetSignupTokenStateAsync(upstream, token, CancellationToken.None)
                : SignupTokenState.Unknown;
            LogOutcomeUnknown(id, state);
            if (state == SignupTokenState.Unknown && feature.HomeserverToken is not null)
            {
                // Left reserved: the lease expires and the retry that takes it over reuses the token.
                return;
            }

            // Open mode (no token) keeps the permit consumed; a spent token means the account exists.
            redeem = state != SignupTokenState.Valid;
        }

        try
        {
            // Settle even when the client went away: the homeserver's answer is what counts.
            var settled = redeem
                ? await redemptions.RedeemAsync(feature.Reservation, CancellationToken.None)
                : await redemptions.ReleaseAsync(feature.Reservation, CancellationToken.None);
            if (!settled)
            {
                LogLeaseLost(id);
            }
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            // The lease will expire; in TokenRequired mode the homeserver token is spent either way.
            LogSettleFailed(e, id, redeem);
        }

        if (redeem)
        {
            metrics?.PermitRedeemed();
            LogRedeemed(id);
        }
        else
        {
            LogReleased(id, feature.UpstreamStatus ?? 0);
        }
    }

    private async Task ReleaseQuietlyAsync(Reservation reservation)
    {
        try
        {
            await redemptions.ReleaseAsync(reservation, CancellationToken.None);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            var id = ShortId(reservation.Jti);
            LogSettleFailed(e, id, false);
        }
    }

    private static string? ReadPermit(HttpRequest request)
    {
        var fromQuery = request.Query[PermitQuery];
        if (fromQuery.Count > 0 && !string.IsNullOrEmpty(fromQuery[0]))
        {
            return fromQuery[0];
        }

        var fromHeader = request.Headers[PermitHeader];
        return fromHeader.Count > 0 && !string.IsNullOrEmpty(fromHeader[0]) ? fromHeader[0]!.Trim() : null;
    }

    /// <summary>Reads the whole body if it fits <see cref="SignupBody.MaxBytes"/>; null when it is larger.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > SignupBody.MaxBytes)
        {
            return null;
        }

        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 256);
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > SignupBody.MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private Task Refuse(HttpContext context, int status, string code, string title, string detail, TimeSpan? retryAfter = null)
    {
        LogRefused(code, status);
        metrics?.PermitRejected(code);
        if (context.Features.Get<SignupCodePresented>() is not null)
        {
            metrics?.SignupCodeRejected(code);
        }
        return HomegateProblem.WriteAsync(context, status, code, title, detail, retryAfter);
    }

    internal static bool IsStorageFailure(Exception e) =>
        e is NpgsqlException or TimeoutException || (e is InvalidOperationException && e.InnerException is NpgsqlException);

    /// <summary>A short, non-reversible handle for a jti, for correlating logs without logging ids.</summary>
    private static string ShortId(string jti)
    {
        Span<byte> hash = stackalloc byte[32];
        NSec.Cryptography.HashAlgorithm.Blake2b_256.Hash(System.Text.Encoding.UTF8.GetBytes(jti), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Signup refused: {Code} ({Status})")]
    private partial void LogRefused(string code, int status);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Signup permit {JtiHash} redeemed")]
    private partial void LogRedeemed(string jtiHash);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Signup permit {JtiHash} released (homeserver status {Status})")]
    private partial void LogReleased(string jtiHash, int status);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Could not mint a signup token at homeserver {Homeserver}: {Reason}")]
    private partial void LogMintFailed(string homeserver, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Storage failure in the signup gate")]
    private partial void LogStorageFailure(Exception e);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Could not settle permit {JtiHash} (redeem: {Redeem}); its lease will expire")]
    private partial void LogSettleFailed(Exception e, string jtiHash, bool redeem);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Permit {JtiHash}: the reservation lease was lost before it was settled")]
    private partial void LogLeaseLost(string jtiHash);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "Permit {JtiHash}: the homeserver's answer to the signup was not seen; minted token state {TokenState}")]
    private partial void LogOutcomeUnknown(string jtiHash, SignupTokenState tokenState);
}

internal static class SignupGateExtensions
{
    /// <summary>Adds the gate to YARP's proxy pipeline. A request that is not a signup (the same test the
    /// gate makes first, answered from the per-request cache) goes straight on: no gate frame, no
    /// continuation closure, nothing allocated.</summary>
    public static IReverseProxyApplicationBuilder UseSignupGate(this IReverseProxyApplicationBuilder pipeline)
    {
        var gate = pipeline.ApplicationServices.GetRequiredService<SignupGateMiddleware>();
        pipeline.Use((context, next) =>
            SignupPaths.Classify(context) == SignupEndpoint.None || HttpMethods.IsOptions(context.Request.Method)
                ? next(context)
                : gate.InvokeAsync(context, () => next(context)));
        return pipeline;
    }
}
