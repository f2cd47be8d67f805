using Homegate.Gateway.Hosting;
using Homegate.Gateway.Proxy;
using Homegate.Gateway.RateLimiting;
using Homegate.Verification.Homeserver;
using Homegate.Verification.Permits;
using Microsoft.Extensions.Options;
using Npgsql;
using Yarp.ReverseProxy.Configuration;

namespace Homegate.Gateway.Cli;

/// <summary>Validates everything <c>serve</c> would, without starting it or touching the network, and
/// prints a summary with no secrets. Exit 0 when valid, 1 with one line per problem otherwise.</summary>
internal static class CheckConfigCommand
{
    public static async Task<int> RunAsync(string? configPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = HomegateApp.Build(new HomegateStart(configPath, []));
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } message)
        {
            await error.WriteLineAsync("homegate: invalid configuration: " + message);
            return 1;
        }

        await using (app)
        {
            var problems = new List<string>();
            try
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
            }
            catch (OptionsValidationException e)
            {
                problems.AddRange(e.Failures);
            }
            catch (Exception e) when (StartupFailure.Describe(e) is { } message)
            {
                problems.Add(message);
            }

            RateLimitPolicies.Read(app.Configuration, out var rateProblems);
            problems.AddRange(rateProblems);
            problems.AddRange(await ValidateProxyAsync(app.Services, cancellationToken));
            if (string.IsNullOrWhiteSpace(app.Configuration.GetConnectionString("Homegate")))
            {
                problems.Add("ConnectionStrings:Homegate is not set (or DATABASE_URL).");
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync("homegate: invalid configuration: " + problem);
                }

                return 1;
            }

            await ConfigSummary.WriteAsync(app, output);
            return 0;
        }
    }

    private static async Task<List<string>> ValidateProxyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        IProxyConfig config;
        try
        {
            config = services.GetServices<IProxyConfigProvider>().Single().GetConfig();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            return [$"ReverseProxy: {e.Message}"];
        }

        var validator = services.GetRequiredService<IConfigValidator>();
        var filter = new ProxyConfigFilter();
        foreach (var cluster in config.Clusters)
        {
            try
            {
                var filtered = await filter.ConfigureClusterAsync(cluster, cancellationToken);
                problems.AddRange((await validator.ValidateClusterAsync(filtered)).Select(e => $"ReverseProxy:Clusters:{cluster.ClusterId}: {e.Message}"));
            }
            catch (InvalidOperationException e)
            {
                problems.Add(e.Message);
            }
        }

        foreach (var route in config.Routes)
        {
            problems.AddRange((await validator.ValidateRouteAsync(route)).Select(e => $"ReverseProxy:Routes:{route.RouteId}: {e.Message}"));
        }

        var shared = services.GetRequiredService<Homeservers.HomeserverRegistry>().IsShared;
        var homeserver = config.Clusters.FirstOrDefault(c => string.Equals(c.ClusterId, ProxyConfigFilter.HomeserverCluster, StringComparison.OrdinalIgnoreCase));
        if (!shared && homeserver?.Destinations is not { Count: > 0 })
        {
            problems.Add("ReverseProxy:Clusters:homeserver:Destinations:main:Address is not set (the homeserver's client API).");
        }

        if (config.Routes.Count == 0)
        {
            problems.Add("ReverseProxy:Routes: no route is configured; nothing would reach the homeserver.");
        }

        if (ProxyFeature.LeaseProblem(services.GetRequiredService<IOptions<SignupGate.GateOptions>>().Value.ReservationLease, config.Clusters) is { } lease)
        {
            problems.Add(lease);
        }

        return problems;
    }
}

/// <summary>What the configuration amounts to, with every secret reduced to "set" / "not set". Shared by
/// <c>check-config</c> and the startup banner.</summary>
internal static class ConfigSummary
{
    public static async Task WriteAsync(WebApplication app, TextWriter output)
    {
        foreach (var line in Lines(app.Services, app.Configuration))
        {
            await output.WriteLineAsync(line);
        }
    }

    /// <param name="services">The host's services (options, proxy config, homeserver identity).</param>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="listening">The addresses actually bound, once the server runs; null: what is configured.</param>
    public static IEnumerable<string> Lines(IServiceProvider services, IConfiguration configuration, IEnumerable<string>? listening = null)
    {
        var homeserver = services.GetRequiredService<IOptions<HomeserverOptions>>().Value;
        var permits = services.GetRequiredService<IOptions<PermitOptions>>().Value;
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Homegate") ?? "");
        var proxy = services.GetServices<IProxyConfigProvider>().Single().GetConfig();
        var identity = services.GetService<HomeserverIdentity>();

        yield return $"config file:        {services.GetRequiredService<ConfigSource>().File ?? "(none: environment only)"}";
        var listen = listening is null
            ? configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "(ASP.NET Core default)"
            : string.Join(", ", listening);
        yield return $"listen:             {listen}";
        yield return $"database:           {connection.Host}:{connection.Port}/{connection.Database} (user {connection.Username}, password {(string.IsNullOrEmpty(connection.Password) ? "not set" : "set")})";
        yield return $"data dir:           {configuration["Homegate:DataDir"] ?? "~/.homegate"}";
        var registry = services.GetRequiredService<Homeservers.HomeserverRegistry>();
        if (registry.IsShared)
        {
            foreach (var line in SharedLines(registry, configuration))
            {
                yield return line;
            }
        }
        else
        {
            yield return $"homeserver admin:   {SafeUrl(homeserver.AdminUrl?.ToString()) ?? "(none)"} (password {(string.IsNullOrEmpty(homeserver.AdminPassword) ? "not set" : "set")})";
            yield return $"signup mode:        {homeserver.SignupMode}";
            var key = identity?.IsKnown == true ? identity.PublicKey
                : string.IsNullOrWhiteSpace(homeserver.PublicKey) ? "read from the admin API at start" : homeserver.PublicKey;
            yield return $"homeserver key:     {key}";
        }

        yield return $"permits:            issuer {permits.Issuer}, lifetime {permits.Lifetime}, {permits.TrustedKeys.Count} extra trusted key(s)";
        var trusted = string.Join(", ", ForwardedHeadersFeature.ReadKnownNetworks(configuration).Select(n => n.ToString()));
        yield return $"trusted proxies:    {(trusted.Length > 0 ? trusted : "none")}";
        var limits = RateLimitPolicies.Read(configuration, out _);
        foreach (var name in RateLimitingFeature.PolicyNames)
        {
            var policy = limits.Get(name);
            yield return $"rate limit {name,-11} {policy.PermitLimit} per {policy.Window} per client IP";
        }

        foreach (var route in proxy.Routes)
        {
            yield return $"route {route.RouteId}: {route.Match.Path ?? "(any path)"} -> {route.ClusterId}";
        }

        foreach (var cluster in proxy.Clusters)
        {
            foreach (var (name, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
            {
                yield return $"cluster {cluster.ClusterId}/{name}: {SafeUrl(destination.Address)}";
            }
        }

        foreach (var line in FeatureSummaries.Lines(configuration))
        {
            yield return line;
        }
    }

    /// <summary>One block per homeserver of <c>Homegate:Homeservers</c>; never a password.</summary>
    private static IEnumerable<string> SharedLines(Homeservers.HomeserverRegistry registry, IConfiguration configuration)
    {
        yield return $"homeservers:        {registry.All.Count} ({string.Join(", ", registry.All.Select(e => e.Name))}), SMS limits {configuration["Homegate:Sms:LimitScope"] ?? "Global"}";
        foreach (var entry in registry.All)
        {
            var o = entry.Options;
            var key = entry.Identity.IsKnown ? entry.Identity.PublicKey
                : string.IsNullOrWhiteSpace(o.PublicKey) ? "read from the admin API at start" : o.PublicKey.Trim();
            yield return $"homeserver {entry.Name}:";
            yield return $"  hosts:            {string.Join(", ", o.Hosts)}";
            yield return $"  upstream:         {SafeUrl(o.Upstream?.ToString())}";
            yield return $"  admin:            {SafeUrl(o.AdminUrl?.ToString()) ?? "(none)"} (password {(string.IsNullOrEmpty(o.AdminPassword) ? "not set" : "set")})";
            yield return $"  signup mode:      {o.SignupMode}";
            yield return $"  key:              {key}";
            yield return $"  verifications:    {(o.Verifications is { } v ? string.Join(", ", v) : "all enabled")}";
            if (o.Lightning.DefaultAmountSat is not null || o.Lightning.MinAmountSat is not null)
            {
                yield return $"  lightning price:  {o.Lightning.DefaultAmountSat?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"} sat (min {o.Lightning.MinAmountSat?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "= price"})";
            }

            yield return $"  invitations:      {InviteCommand.InvitationBase(o)}/invite/<code>, " +
                         $"valid {o.Invitations.Lifetime ?? InviteCommand.DefaultLifetime}";
            if (o.Page.Count > 0)
            {
                // Branding only (no secrets); unset keys fall back to Homegate:Page.
                yield return $"  page:             {string.Join(", ", o.Page.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => $"{p.Key} {p.Value}"))}";
            }
        }
    }

    /// <summary>An address without its user-info part (<c>http://user:password@host</c>).</summary>
    internal static string? SafeUrl(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.UserInfo.Length == 0)
        {
            return url;
        }

        return new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();
    }
}

/// <summary>Summary lines that verification features add (SMS, Lightning); never secrets.</summary>
internal static class FeatureSummaries
{
    public static IEnumerable<string> Lines(IConfiguration configuration)
    {
        var smsKey = !string.IsNullOrWhiteSpace(configuration["Homegate:Sms:ApiKey"]);
        var sms = configuration.GetValue("Homegate:Sms:Enabled", smsKey);
        yield return $"sms verification:   {(sms ? "enabled" : "disabled")} (api key {(smsKey ? "set" : "not set")})";
        var lnUrl = configuration["Homegate:Lightning:BaseUrl"];
        var ln = configuration.GetValue("Homegate:Lightning:Enabled", !string.IsNullOrWhiteSpace(lnUrl));
        yield return $"lightning:          {(ln ? "enabled" : "disabled")} ({(string.IsNullOrWhiteSpace(lnUrl) ? "no PhoenixD URL" : ConfigSummary.SafeUrl(lnUrl))})";
    }
}
