using System.Collections.Concurrent;
using Homegate.Fakes.Pubky;
using Homegate.Verification.Crypto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homegate.Fakes.Homeserver;

/// <summary>
/// An in-process stand-in for a Pubky homeserver (pubky-core v0.9/v0.10): a client API and an admin
/// API on two loopback Kestrel listeners, with the signup rules, error texts and status codes of the
/// real one, in-memory state, request recording and failure scripting for tests.
/// </summary>
public sealed partial class FakeHomeserver : IAsyncDisposable
{
    private const long MaxBodyBytes = 128L * 1024 * 1024;

    /// <summary>Bodies declared larger than this are read and counted but not kept (recorded and stored empty).</summary>
    public const long LargeBodyBytes = 1024 * 1024;

    private readonly FakeHomeserverOptions _options;
    private readonly UserKey _serverKey;
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _stateLock = new();
    private readonly Dictionary<string, string?> _signupTokens = new(StringComparer.Ordinal); // token → user z32 once used
    private readonly HashSet<string> _users = new(StringComparer.Ordinal);
    private readonly HashSet<(ulong Timestamp, string Key)> _seenAuthTokens = [];
    private readonly ConcurrentDictionary<string, string> _sessions = new(StringComparer.Ordinal); // secret → user z32
    private readonly ConcurrentDictionary<string, StoredObject> _storage = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _clientLifecycle = new(1, 1);
    private WebApplication? _clientApp;
    private WebApplication? _adminApp;
    private int _clientPort;
    private int _mintedTokenCount;
    private int _crashCount;

    private FakeHomeserver(FakeHomeserverOptions options)
    {
        _options = options;
        _serverKey = options.ServerKey ?? UserKey.Generate();
        AdminPassword = options.AdminPassword ?? RandomText(18);
        _clientPort = options.ClientPort;
    }

    /// <summary>Client API base address with a trailing slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public string ClientUrl => $"http://127.0.0.1:{_clientPort}/";

    /// <summary>Admin API base address without a trailing slash, e.g. <c>http://127.0.0.1:41235</c>.</summary>
    public string AdminUrl { get; private set; } = "";

    /// <summary>The homeserver's public key in z-base-32 (what <c>GET /info</c> reports).</summary>
    public string PublicKeyZ32 => _serverKey.PublicKeyZ32;

    public string AdminPassword { get; }

    public FakeSignupMode SignupMode => _options.SignupMode;

    /// <summary>Signup tokens minted through the admin API (not those added with <see cref="AddSignupToken"/>).</summary>
    public int MintedTokenCount => Volatile.Read(ref _mintedTokenCount);

    /// <summary>Requests that would have crashed the real signup handler (body of 75 bytes or fewer, or a version byte other than 0).</summary>
    public int CrashCount => Volatile.Read(ref _crashCount);

    /// <summary>Status codes to answer the next signup requests (both endpoints) with, instead of processing them.</summary>
    public ConcurrentQueue<int> NextSignupResponses { get; } = new();

    /// <summary>Delay before a signup request (both endpoints) is answered. Default zero.</summary>
    public TimeSpan SignupDelay { get; set; }

    /// <summary>Delay between creating the account and writing the answer, not cut short when the caller
    /// goes away (the account exists whatever happens to the answer). Default zero.</summary>
    public TimeSpan SignupAnswerDelay { get; set; }

    /// <summary>When set, a signup refusal (409 user exists, 401 token used...) sends its status and first
    /// byte at once and the rest of its body after this delay. Default zero.</summary>
    public TimeSpan SignupRefusalTrickle { get; set; }

    /// <summary>While true, the client API aborts every connection without answering (a crashed homeserver behind a live port).</summary>
    public bool Down { get; set; }

    /// <summary>Every request received on the client API, in arrival order (a snapshot).</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Recorded requests to <c>POST /signup</c> and <c>POST /auth/grant/signup</c>.</summary>
    public IReadOnlyList<RecordedRequest> SignupRequests =>
        [.. Requests.Where(r => IsSignupPath(r.Path))];

    /// <summary>z32 keys of existing users (created by signup or <see cref="AddExistingUser"/>).</summary>
    public IReadOnlyCollection<string> Users
    {
        get
        {
            lock (_stateLock)
            {
                return [.. _users];
            }
        }
    }

    /// <summary>All known signup tokens, with the z32 key of the user that used each (null while unused).</summary>
    public IReadOnlyDictionary<string, string?> SignupTokens
    {
        get
        {
            lock (_stateLock)
            {
                return new Dictionary<string, string?>(_signupTokens, StringComparer.Ordinal);
            }
        }
    }

    public static async Task<FakeHomeserver> StartAsync(FakeHomeserverOptions? options = null)
    {
        var server = new FakeHomeserver(options ?? new FakeHomeserverOptions());
        try
        {
            server._adminApp = BuildApp(server._options.AdminPort, server.MapAdmin);
            await server._adminApp.StartAsync();
            server.AdminUrl = BoundAddress(server._adminApp).TrimEnd('/');
            await server.StartClientApiAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public void ClearRecorded()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    public void AddExistingUser(string publicKeyZ32)
    {
        lock (_stateLock)
        {
            _users.Add(publicKeyZ32);
        }
    }

    /// <summary>Adds a valid unused signup token without going through the admin API; returns it.</summary>
    public string AddSignupToken(string? token = null)
    {
        token ??= Pubky.SignupTokens.Generate();
        lock (_stateLock)
        {
            _signupTokens[token] = null;
        }

        return token;
    }

    /// <summary>Stops the client API (connections refused) until <see cref="StartClientApiAsync"/>; state is kept.</summary>
    public async Task StopClientApiAsync()
    {
        await _clientLifecycle.WaitAsync();
        try
        {
            if (_clientApp is { } app)
            {
                _clientApp = null;
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            _clientLifecycle.Release();
        }
    }

    /// <summary>Stops the admin API for good (connections refused); the client API keeps running.</summary>
    public async Task StopAdminApiAsync()
    {
        if (_adminApp is { } admin)
        {
            _adminApp = null;
            await admin.StopAsync();
            await admin.DisposeAsync();
        }
    }

    /// <summary>Starts the client API again on the same port as before.</summary>
    public async Task StartClientApiAsync()
    {
        await _clientLifecycle.WaitAsync();
        try
        {
            if (_clientApp is not null)
            {
                return;
            }

            var app = BuildApp(_clientPort, MapClient);
            await app.StartAsync();
            _clientPort = new Uri(BoundAddress(app)).Port;
            _clientApp = app;
        }
        finally
        {
            _clientLifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopClientApiAsync();
        if (_adminApp is { } admin)
        {
            _adminApp = null;
            await admin.StopAsync();
            await admin.DisposeAsync();
        }

        _clientLifecycle.Dispose();
    }

    internal static WebApplication BuildApp(int port, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeHomeserver).Assembly.GetName().Name,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        map(app);
        return app;
    }

    internal static string BoundAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static bool IsSignupPath(string path) => path is "/signup" or "/auth/grant/signup";

    private static string RandomText(int bytes)
    {
        var buffer = new byte[bytes];
        System.Security.Cryptography.RandomNumberGenerator.Fill(buffer);
        return Base64Url.Encode(buffer);
    }

    private void Record(RecordedRequest request)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }
    }

    private sealed record StoredObject(byte[] Body, string ContentType, string ETag, DateTimeOffset LastModified);
}
