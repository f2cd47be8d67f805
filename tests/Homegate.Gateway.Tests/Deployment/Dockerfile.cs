using System.Text;
using System.Text.Json;

namespace Homegate.Gateway.Tests.Deployment;

/// <summary>One instruction of a Dockerfile, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The arguments of an exec-form (JSON array) instruction, or null for shell form.</summary>
    public IReadOnlyList<string>? ExecForm()
    {
        var text = Arguments.Trim();
        if (!text.StartsWith('['))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A build stage: its FROM (global ARG defaults substituted) and what follows it.</summary>
internal sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword);

    /// <summary>The image without its tag or digest, e.g. mcr.microsoft.com/dotnet/aspnet.</summary>
    public string Repository
    {
        get
        {
            var at = Image.IndexOf('@', StringComparison.Ordinal);
            var image = at >= 0 ? Image[..at] : Image;
            var colon = image.LastIndexOf(':');
            return colon > image.LastIndexOf('/') ? image[..colon] : image;
        }
    }
}

/// <summary>
/// Just enough of the Dockerfile grammar to check the image's properties statically: comments,
/// line continuations, global ARG defaults in FROM, stages. No engine is needed.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    public static Dockerfile Parse(string text)
    {
        var instructions = Instructions(text);
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        string? image = null;
        string? name = null;
        var body = new List<DockerInstruction>();

        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                if (image is not null)
                {
                    stages.Add(new DockerStage(image, name, body));
                    body = [];
                }

                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(w => !w.StartsWith("--", StringComparison.Ordinal))
                    .ToArray();
                image = Substitute(words[0], globalArgs);
                name = words.Length >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
            }
            else if (image is null)
            {
                if (instruction.Keyword == "ARG")
                {
                    var parts = instruction.Arguments.Split('=', 2);
                    globalArgs[parts[0].Trim()] = parts.Length == 2 ? parts[1].Trim() : "";
                }
            }
            else
            {
                body.Add(instruction);
            }
        }

        if (image is not null)
        {
            stages.Add(new DockerStage(image, name, body));
        }

        return new Dockerfile(stages);
    }

    private static List<DockerInstruction> Instructions(string text)
    {
        var result = new List<DockerInstruction>();
        var current = new StringBuilder();
        var startLine = 0;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            // Docker drops comment lines, also in the middle of a continued instruction.
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (current.Length == 0)
            {
                startLine = i + 1;
            }

            var continues = line.EndsWith('\\');
            current.Append(continues ? line[..^1] : line).Append(' ');
            if (!continues)
            {
                result.Add(ToInstruction(current.ToString().Trim(), startLine));
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            result.Add(ToInstruction(current.ToString().Trim(), startLine));
        }

        return result;
    }

    private static DockerInstruction ToInstruction(string text, int line)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0
            ? new DockerInstruction(text.ToUpperInvariant(), "", line)
            : new DockerInstruction(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim(), line);
    }

    private static string Substitute(string value, Dictionary<string, string> args)
    {
        foreach (var (key, argValue) in args)
        {
            value = value.Replace("${" + key + "}", argValue, StringComparison.Ordinal)
                .Replace("$" + key, argValue, StringComparison.Ordinal);
        }

        return value;
    }
}
