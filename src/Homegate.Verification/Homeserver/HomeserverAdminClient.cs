using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Homegate.Verification.Homeserver;

/// <summary>
/// The homeserver's admin API: <c>GET /info</c> for its public key and <c>GET /generate_signup_token</c>
/// to mint single-use signup tokens. The password travels as <c>X-Admin-Password</c> and is never logged.
/// </summary>
public sealed class HomeserverAdminClient(HttpClient http, Func<HomeserverOptions> options, string section = HomeserverOptions.Section)
{
    public const string HttpClientName = "homeserver-admin";

    public HomeserverAdminClient(HttpClient http, IOptionsMonitor<HomeserverOptions> monitor)
        : this(http, () => monitor.CurrentValue)
    {
        ArgumentNullException.ThrowIfNull(monitor);
    }

    /// <summary>The configuration section of this homeserver, for messages.</summary>
    public string Section => section;

    /// <summary>Reads the homeserver's z-base-32 public key from <c>GET /info</c>.</summary>
    public async Task<string> GetPublicKeyAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync("info", cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("public_key", out var key)
                && key.ValueKind == JsonValueKind.String
                && Crypto.ZBase32.TryDecodePublicKey(key.GetString(), out _))
            {
                return key.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        throw new HomeserverAdminException("The admin API's /info answer has no valid \"public_key\".");
    }

    /// <summary>Mints one single-use signup token.</summary>
    public async Task<string> MintSignupTokenAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync("generate_signup_token", cancellationToken);
        var token = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        if (token.Length is 0 or > 64)
        {
            throw new HomeserverAdminException("The admin API returned an empty or oversized signup token.");
        }

        return token;
    }

    /// <summary>
    /// Asks the homeserver's client API (<c>GET /signup_tokens/{token}</c>, no admin password) whether a
    /// minted signup token was spent. <see cref="SignupTokenState.Unknown"/> when it cannot tell.
    /// </summary>
    public async Task<SignupTokenState> GetSignupTokenStateAsync(Uri clientApi, string token, CancellationToken cancellationToken)
    {
        var uri = new Uri(EnsureSlash(clientApi), "signup_tokens/" + Uri.EscapeDataString(token));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options().AdminTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return SignupTokenState.Unknown;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(timeout.Token));
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("status", out var status)
                ? status.GetString() switch
                {
                    "used" => SignupTokenState.Used,
                    "valid" => SignupTokenState.Valid,
                    _ => SignupTokenState.Unknown,
                }
                : SignupTokenState.Unknown;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or InvalidOperationException)
        {
            return SignupTokenState.Unknown;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, CancellationToken cancellationToken)
    {
        var current = options();
        if (current.AdminUrl is null)
        {
            throw new HomeserverAdminException($"{section}:AdminUrl is not configured.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(EnsureSlash(current.AdminUrl), path));
        if (!string.IsNullOrEmpty(current.AdminPassword))
        {
            request.Headers.TryAddWithoutValidation("X-Admin-Password", current.AdminPassword);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(current.AdminTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HomeserverAdminException($"The admin API did not answer {path} within {current.AdminTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException e)
        {
            throw new HomeserverAdminException($"The admin API is unreachable ({e.HttpRequestError}).", e);
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new HomeserverAdminException($"The admin API refused the password (401): check {section}:AdminPassword.") { PasswordRefused = true };
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new HomeserverAdminException($"The admin API answered {path} with HTTP {status}.");
        }

        return response;
    }

    private static Uri EnsureSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}

/// <summary>What the homeserver says about a signup token it minted.</summary>
public enum SignupTokenState
{
    /// <summary>No usable answer (unreachable, timeout, unexpected reply).</summary>
    Unknown,

    /// <summary>Not spent: no account was created with it.</summary>
    Valid,

    /// <summary>Spent: an account was created with it.</summary>
    Used,
}

/// <summary>The admin API could not be used; the message is safe to log and names no secret.</summary>
public sealed class HomeserverAdminException : Exception
{
    public HomeserverAdminException(string message) : base(message)
    {
    }

    public HomeserverAdminException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The admin API answered 401: the configured password is wrong, and retrying cannot fix that.</summary>
    public bool PasswordRefused { get; init; }
}
