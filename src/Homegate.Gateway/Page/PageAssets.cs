using System.Security.Cryptography;

namespace Homegate.Gateway.Page;

/// <summary>
/// The page's static files, embedded in the assembly and served under content-hashed names
/// (<c>page.3f2a9c1d.js</c>) with a one-year immutable cache and an ETag, so a new release is picked up
/// at once and an unchanged one is never downloaded twice.
/// </summary>
internal sealed class PageAssets
{
    private static readonly (string Name, string ContentType)[] Served =
    [
        ("page.css", "text/css; charset=utf-8"),
        ("page.js", "text/javascript; charset=utf-8"),
    ];

    private readonly Dictionary<string, Asset> _byHashedName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _hashedNames = new(StringComparer.Ordinal);

    public PageAssets()
    {
        foreach (var (name, type) in Served)
        {
            var bytes = ReadResource(name);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
            var hashed = $"{Path.GetFileNameWithoutExtension(name)}.{hash}{Path.GetExtension(name)}";
            _byHashedName[hashed] = new Asset(bytes, type, $"\"{hash}\"");
            _hashedNames[name] = hashed;
        }
    }

    internal sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    /// <summary>The served (hashed) file name of <paramref name="name"/>, e.g. <c>page.js</c>.</summary>
    public string HashedName(string name) => _hashedNames[name];

    public Asset? Find(string hashedName) => _byHashedName.GetValueOrDefault(hashedName);

    public static Stream OpenResource(string name) =>
        typeof(PageAssets).Assembly.GetManifestResourceStream("Homegate.Page." + name)
        ?? throw new InvalidOperationException($"Embedded page resource '{name}' is missing.");

    public static byte[] ReadResource(string name)
    {
        using var stream = OpenResource(name);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    public static string ReadText(string name) => System.Text.Encoding.UTF8.GetString(ReadResource(name));
}
