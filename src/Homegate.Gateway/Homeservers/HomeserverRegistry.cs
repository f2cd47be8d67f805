using System.Collections.Frozen;
using Homegate.Gateway.Configuration;
using Homegate.Verification.Homeserver;
using Microsoft.Extensions.Primitives;

namespace Homegate.Gateway.Homeservers;

/// <summary>One homeserver behind homegate: its name, settings, identity (permit audience) and admin API.</summary>
internal sealed class HomeserverEntry
{
    private readonly Func<HomeserverOptions>? _source;
    private volatile HomeserverOptions _options;

    /// <summary>The shorthand's homeserver: settings follow <paramref name="source"/> (the options monitor).</summary>
    public HomeserverEntry(string name, string section, Func<HomeserverOptions> source, HomeserverIdentity identity, HomeserverAdminClient admin)
    {
        Name = name;
        Section = section;
        _source = source;
        _options = null!; // read through the source on use: options are validated at start, not at build
        Identity = identity;
        Admin = admin;
    }

    /// <summary>Built from the current options (several homeservers: its own admin client).</summary>
    public HomeserverEntry(string name, HomeserverOptions options, HttpClient http)
    {
        Name = name;
        Section = $"{HomeserverOptions.SharedSection}:{name}";
        _options = options;
        Identity = new HomeserverIdentity { Name = name, Lightning = options.Lightning };
        Admin = new HomeserverAdminClient(http, () => _options, Section);
    }

    public string Name { get; }

    /// <summary>Its configuration section, for messages.</summary>
    public string Section { get; }

    public HomeserverOptions Options
    {
        get => _source?.Invoke() ?? _options;
        set
        {
            _options = value;
            Identity.Lightning = value.Lightning;
        }
    }

    public HomeserverIdentity Identity { get; }

    public HomeserverAdminClient Admin { get; }

    /// <summary>The YARP route and cluster derived for it (several homeservers).</summary>
    public string ClusterId => "homeserver-" + Name;

    /// <summary>Whether its hosts offer a verification (<c>Sms</c>, <c>Lightning</c>); all when unset.</summary>
    public bool Offers(string verification) =>
        Options.Verifications is not { } list || list.Contains(verification, StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// The homeservers homegate guards. The <c>Homegate:Homeserver</c> shorthand is one homeserver named
/// <c>default</c> that answers on any host; <c>Homegate:Homeservers</c> ties each host name to one
/// homeserver (a frozen dictionary: one lookup per request). On a configuration reload the settings and
/// hosts of the configured homeservers change in place; adding or removing a homeserver needs a restart.
/// </summary>
internal sealed partial class HomeserverRegistry : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger<HomeserverRegistry> _logger;
    private readonly IDisposable? _reload;
    private volatile FrozenDictionary<string, HomeserverEntry> _byHost;
    private CancellationTokenSource _changed = new();

    /// <summary>The one-homeserver shorthand.</summary>
    public HomeserverRegistry(HomeserverEntry single, IConfiguration configuration, ILogger<HomeserverRegistry> logger)
    {
        _configuration = configuration;
        _logger = logger;
        Single = single;
        All = [single];
        _byHost = FrozenDictionary<string, HomeserverEntry>.Empty;
    }

    /// <summary>Several homeservers; throws <see cref="ConfigurationProblemException"/> naming every problem.</summary>
    public HomeserverRegistry(IConfiguration configuration, HttpClient http, ILogger<HomeserverRegistry> logger)
    {
        _configuration = configuration;
        _logger = logger;
        var read = HomeserversConfig.Read(configuration, out var problems);
        if (problems.Count > 0)
        {
            throw new ConfigurationProblemException(string.Join(" ", problems));
        }

        All = [.. read.Select(r => new HomeserverEntry(r.Name, r.Options, http))];
        _byHost = HostMap(All);
        _reload = Microsoft.Extensions.Primitives.ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Several homeservers, each on its own hosts.</summary>
    public bool IsShared => Single is null;

    /// <summary>The shorthand's one homeserver (null with several).</summary>
    public HomeserverEntry? Single { get; }

    public IReadOnlyList<HomeserverEntry> All { get; }

    /// <summary>The homeserver a host belongs to (several homeservers), or null for a host nobody claims.</summary>
    public HomeserverEntry? ForHost(string host) => _byHost.GetValueOrDefault(host);

    public HomeserverEntry? ByName(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));

    /// <summary>Fires after a reload changed the homeservers' settings (the derived proxy routes follow it).</summary>
    public CancellationToken ChangeToken => _changed.Token;

    private static FrozenDictionary<string, HomeserverEntry> HostMap(IEnumerable<HomeserverEntry> entries) =>
        entries.SelectMany(e => e.Options.Hosts.Select(h => KeyValuePair.Create(h, e)))
            .ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private void Reload()
    {
        var read = HomeserversConfig.Read(_configuration, out var problems);
        var names = read.Select(r => r.Name).Order(StringComparer.Ordinal);
        if (problems.Count == 0 && !names.SequenceEqual(All.Select(e => e.Name).Order(StringComparer.Ordinal)))
        {
            problems.Add("homeservers were added or removed: restart homegate to apply that.");
        }

        if (problems.Count > 0)
        {
            LogReloadRefused(string.Join(" ", problems));
            return;
        }

        foreach (var (name, options) in read)
        {
            ByName(name)!.Options = options;
        }

        _byHost = HostMap(All);
        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        previous.Cancel();
        previous.Dispose();
    }

    public void Dispose()
    {
        _reload?.Dispose();
        _changed.Dispose();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Homeserver configuration reload refused, the previous one stays in force: {Problems}")]
    private partial void LogReloadRefused(string problems);
}
