using System.Text.Json;

namespace Homegate.Gateway.Page;

/// <summary>
/// Every text the page shows, from one file: the built-in English <c>Page/Assets/page-text.json</c>, with
/// any keys of the operator's <c>Homegate:Page:TextFile</c> (same format) replacing them. Placeholders in
/// braces (<c>{time}</c>, <c>{wait}</c>, <c>{host}</c>…) are filled in by the page.
/// </summary>
internal sealed class PageText
{
    private PageText(IReadOnlyDictionary<string, string> texts) => Texts = texts;

    public IReadOnlyDictionary<string, string> Texts { get; }

    public string this[string key] => Texts[key];

    public static IReadOnlyDictionary<string, string> BuiltIn()
    {
        using var stream = PageAssets.OpenResource("page-text.json");
        return Parse(stream) ?? throw new InvalidOperationException("The built-in page text is not a JSON object of strings.");
    }

    /// <summary>The built-in texts with the override file applied; throws a configuration problem naming the key.</summary>
    public static PageText Load(string? overrideFile)
    {
        var texts = new Dictionary<string, string>(BuiltIn(), StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(overrideFile))
        {
            return new PageText(texts);
        }

        Dictionary<string, string>? custom;
        try
        {
            using var stream = File.OpenRead(overrideFile);
            custom = Parse(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new Configuration.ConfigurationProblemException($"{PageOptions.Section}:TextFile: cannot read '{overrideFile}': {e.Message}");
        }

        if (custom is null)
        {
            throw new Configuration.ConfigurationProblemException($"{PageOptions.Section}:TextFile: '{overrideFile}' must be a JSON object whose values are strings.");
        }

        foreach (var (key, value) in custom)
        {
            if (!texts.ContainsKey(key))
            {
                throw new Configuration.ConfigurationProblemException($"{PageOptions.Section}:TextFile: '{overrideFile}' has an unknown key '{key}'.");
            }

            texts[key] = value;
        }

        return new PageText(texts);
    }

    private static Dictionary<string, string>? Parse(Stream stream)
    {
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            result[property.Name] = property.Value.GetString()!;
        }

        return result;
    }
}
