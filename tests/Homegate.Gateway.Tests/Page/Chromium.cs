using Microsoft.Playwright;

namespace Homegate.Gateway.Tests.Page;

/// <summary>
/// Headless Debian Chromium (<c>/usr/bin/chromium</c>, installed by scripts/install-deps), driven by
/// Playwright for .NET without any browser download, with a fresh profile per test and no background
/// traffic of its own, so every request it records comes from the page.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private Chromium(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    /// <summary>Every URL the browser requested, in order (documents, scripts, images, fetches).</summary>
    public List<string> Requests { get; } = [];

    /// <summary>A fresh browser; <paramref name="extraArgs"/> are more command-line switches, e.g.
    /// <c>--host-resolver-rules=MAP a.test 127.0.0.1</c>.</summary>
    public static async Task<Chromium> StartAsync(int width = 360, int height = 780, IEnumerable<string>? extraArgs = null)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: run scripts/install-deps (apt-get install chromium chromium-driver).");
        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("homegate-chromium").FullName;
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = [.. Flags, .. extraArgs ?? []],
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var browser = new Chromium(playwright, context, profile);
        context.Request += (_, request) =>
        {
            lock (browser.Requests)
            {
                browser.Requests.Add(request.Url);
            }
        };
        return browser;
    }

    public async Task<IPage> OpenAsync(string url)
    {
        var page = Context.Pages.Count > 0 ? Context.Pages[0] : await Context.NewPageAsync();
        await page.GotoAsync(url);
        return page;
    }

    /// <summary>Polls <paramref name="expression"/> until it is true. (Playwright's WaitForFunction
    /// polls with eval inside the page, which the page's CSP rightly forbids.)</summary>
    public static async Task WaitUntilAsync(IPage page, string expression, int timeoutMs = 10_000)
    {
        for (var waited = 0; waited < timeoutMs; waited += 100)
        {
            if (await page.EvaluateAsync<bool>(expression))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Still false after {timeoutMs} ms: {expression}");
    }

    /// <summary>Saves a full-page screenshot as test output (HOMEGATE_SCREENSHOT_DIR, else
    /// <c>screenshots/</c> beside the test assembly) and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name, int width)
    {
        var directory = Environment.GetEnvironmentVariable("HOMEGATE_SCREENSHOT_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.SetViewportSizeAsync(width, 800);
        var path = Path.Combine(directory, $"{name}-{width}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its profile while exiting; the temp directory is harmless.
        }
    }
}
