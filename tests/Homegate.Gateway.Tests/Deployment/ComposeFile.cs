using YamlDotNet.RepresentationModel;

namespace Homegate.Gateway.Tests.Deployment;

/// <summary>docker-compose.yml as YAML nodes, with the few lookups the tests need.</summary>
internal sealed class ComposeFile
{
    private readonly YamlMappingNode _root;

    private ComposeFile(YamlMappingNode root) => _root = root;

    public static ComposeFile Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return new ComposeFile((YamlMappingNode)stream.Documents[0].RootNode);
    }

    public YamlMappingNode Services => Map(_root, "services") ?? new YamlMappingNode();

    public IEnumerable<string> ServiceNames => Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

    public YamlMappingNode? Service(string name) => Map(Services, name);

    public YamlMappingNode? TopLevel(string key) => Map(_root, key);

    public static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode? Map(YamlMappingNode node, string key) => Child(node, key) as YamlMappingNode;

    public static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    /// <summary>A service's environment, list (KEY=value) or mapping syntax.</summary>
    public static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Child(service, "environment"))
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    result[((YamlScalarNode)key).Value!] = (value as YamlScalarNode)?.Value ?? "";
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children.OfType<YamlScalarNode>())
                {
                    var parts = item.Value!.Split('=', 2);
                    result[parts[0]] = parts.Length == 2 ? parts[1] : "";
                }

                break;
        }

        return result;
    }

    /// <summary>The container ports a service publishes, short ("h:p:c/tcp") or long syntax.</summary>
    public static List<string> PublishedContainerPorts(YamlMappingNode service)
    {
        var ports = new List<string>();
        if (Child(service, "ports") is not YamlSequenceNode list)
        {
            return ports;
        }

        foreach (var item in list.Children)
        {
            var target = item switch
            {
                YamlScalarNode scalar => scalar.Value!.Split(':')[^1],
                YamlMappingNode map => Scalar(map, "target") ?? "",
                _ => "",
            };
            ports.Add(target.Split('/')[0]);
        }

        return ports;
    }

    /// <summary>A service's volume mounts as (source, target, read-only), short or long syntax.</summary>
    public static List<(string Source, string Target, bool ReadOnly)> Volumes(YamlMappingNode service)
    {
        var mounts = new List<(string, string, bool)>();
        if (Child(service, "volumes") is not YamlSequenceNode list)
        {
            return mounts;
        }

        foreach (var item in list.Children)
        {
            switch (item)
            {
                case YamlScalarNode scalar:
                    var parts = SplitShortVolume(scalar.Value!);
                    mounts.Add((parts[0], parts.Count > 1 ? parts[1] : parts[0], parts.Count > 2 && parts[2].Split(',').Contains("ro")));
                    break;
                case YamlMappingNode map:
                    mounts.Add((Scalar(map, "source") ?? "", Scalar(map, "target") ?? "", Scalar(map, "read_only") == "true"));
                    break;
            }
        }

        return mounts;
    }

    /// <summary>A named volume's source is a bare name; a bind mount's is a path.</summary>
    public static bool IsNamedVolume(string source) =>
        source.Length > 0 && !source.StartsWith('.') && !source.StartsWith('/') && !source.StartsWith('~') && !source.StartsWith('$');

    public static IEnumerable<string> Networks(YamlMappingNode service) => Child(service, "networks") switch
    {
        YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(n => n.Value!),
        YamlMappingNode map => map.Children.Keys.OfType<YamlScalarNode>().Select(n => n.Value!),
        _ => ["default"],
    };

    private static List<string> SplitShortVolume(string value) => [.. value.Split(':')];
}
