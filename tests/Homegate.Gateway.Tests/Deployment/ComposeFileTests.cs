using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Homegate.Gateway.Tests.Deployment;

/// <summary>
/// docker-compose.yml cannot be started here, so the properties the operator guide promises are
/// checked from the file and the files it mounts: only homegate is reachable from outside, the
/// homeserver only accepts signups with a token homegate minted, state lives on named volumes.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string[] Backends = ["postgres", "phoenixd", "homeserver"];
    private static readonly ComposeFile Compose = ComposeFile.Parse(RepositoryFiles.Read("docker-compose.yml"));

    private static YamlMappingNode Service(string name)
    {
        var service = Compose.Service(name);
        Assert.True(service is not null, $"docker-compose.yml has no service '{name}' (services: {string.Join(", ", Compose.ServiceNames)}).");
        return service!;
    }

    [Fact]
    public void Compose_runs_postgres_phoenixd_a_homeserver_and_homegate()
    {
        foreach (var name in Backends.Append("homegate"))
        {
            Service(name);
        }

        Assert.True(ComposeFile.Scalar(Service("homegate"), "build") == ".",
            "homegate is not built from the repository's Dockerfile (build: .).");
    }

    [Fact]
    public void Only_homegate_publishes_a_port_and_it_is_8080()
    {
        foreach (var name in Compose.ServiceNames)
        {
            var service = Service(name);
            Assert.False(ComposeFile.Scalar(service, "network_mode") == "host",
                $"{name} uses network_mode: host, which exposes every port it listens on.");
            if (name != "homegate")
            {
                Assert.True(ComposeFile.Child(service, "ports") is null,
                    $"{name} has a ports: section ({string.Join(", ", ComposeFile.PublishedContainerPorts(service))}); only homegate may be reachable from outside the compose networks.");
            }
        }

        var published = ComposeFile.PublishedContainerPorts(Service("homegate"));
        Assert.True(published.SequenceEqual(["8080"]),
            $"homegate publishes container port(s) [{string.Join(", ", published)}]; expected exactly 8080.");
    }

    [Fact]
    public void Postgres_has_a_pg_isready_healthcheck_and_keeps_its_data_on_a_named_volume()
    {
        var postgres = Service("postgres");
        var test = ComposeFile.Child(ComposeFile.Map(postgres, "healthcheck") ?? new YamlMappingNode(), "test");
        var testText = test switch
        {
            YamlSequenceNode list => string.Join(' ', list.Children.OfType<YamlScalarNode>().Select(n => n.Value)),
            YamlScalarNode scalar => scalar.Value ?? "",
            _ => "",
        };
        Assert.True(testText.Contains("pg_isready", StringComparison.Ordinal),
            $"postgres has no pg_isready health check (healthcheck.test: '{testText}'), so depends_on service_healthy cannot work.");

        var data = ComposeFile.Volumes(postgres).FirstOrDefault(v => v.Target == "/var/lib/postgresql/data");
        Assert.True(data.Target is not null, "postgres mounts nothing at /var/lib/postgresql/data; the database dies with the container.");
        Assert.True(ComposeFile.IsNamedVolume(data.Source),
            $"postgres keeps its data on '{data.Source}', not on a named volume.");
    }

    [Fact]
    public void Postgres_is_reachable_only_on_an_internal_network()
    {
        var networks = ComposeFile.Networks(Service("postgres")).ToList();
        var declared = Compose.TopLevel("networks") ?? new YamlMappingNode();
        foreach (var network in networks)
        {
            var definition = ComposeFile.Map(declared, network);
            Assert.True(definition is not null && ComposeFile.Scalar(definition, "internal") == "true",
                $"postgres is on network '{network}', which is not declared internal: true.");
        }
    }

    [Fact]
    public void Homegate_starts_only_once_postgres_is_healthy()
    {
        var dependsOn = ComposeFile.Child(Service("homegate"), "depends_on") as YamlMappingNode;
        Assert.True(dependsOn is not null, "homegate has no depends_on mapping (the list form cannot wait for health).");
        var postgres = ComposeFile.Map(dependsOn!, "postgres");
        Assert.True(postgres is not null, "homegate does not depend on postgres.");
        Assert.True(ComposeFile.Scalar(postgres!, "condition") == "service_healthy",
            $"homegate depends on postgres with condition '{ComposeFile.Scalar(postgres!, "condition")}', not service_healthy.");
    }

    [Fact]
    public void Every_named_volume_is_declared_and_each_stateful_service_has_one()
    {
        var declared = (Compose.TopLevel("volumes") ?? new YamlMappingNode()).Children.Keys
            .OfType<YamlScalarNode>().Select(k => k.Value!).ToHashSet(StringComparer.Ordinal);
        foreach (var name in Compose.ServiceNames)
        {
            foreach (var (source, target, _) in ComposeFile.Volumes(Service(name)).Where(v => ComposeFile.IsNamedVolume(v.Source)))
            {
                Assert.True(declared.Contains(source),
                    $"{name} mounts volume '{source}' at {target}, but it is not declared under the top-level volumes:.");
            }
        }

        foreach (var (name, target) in new[] { ("homegate", "/data"), ("phoenixd", "/phoenix/.phoenix"), ("homeserver", "/data") })
        {
            Assert.True(ComposeFile.Volumes(Service(name)).Any(v => v.Target == target && ComposeFile.IsNamedVolume(v.Source)),
                $"{name} has no named volume at {target}; its keys would be lost with the container.");
        }
    }

    [Fact]
    public void Homeserver_requires_signup_tokens_and_its_pubky_tls_socket_stays_inside_its_container()
    {
        var homeserver = Service("homeserver");
        var config = ComposeFile.Volumes(homeserver).FirstOrDefault(v => v.Target.EndsWith("config.toml", StringComparison.Ordinal));
        Assert.True(config.Source is not null, "The homeserver mounts no config.toml, so it runs with its built-in defaults.");
        Assert.True(config.ReadOnly, $"The homeserver's config {config.Source} is mounted writable.");

        var toml = RepositoryFiles.Read(config.Source);
        Assert.True(Regex.IsMatch(toml, @"(?m)^\s*signup_mode\s*=\s*""token_required"""),
            $"{config.Source} does not set signup_mode = \"token_required\"; homegate mints a token per admitted permit and the homeserver must require it.");
        var tls = Regex.Match(toml, @"(?m)^\s*pubky_listen_socket\s*=\s*""([^""]+)""");
        Assert.True(tls.Success && tls.Groups[1].Value.StartsWith("127.0.0.1:", StringComparison.Ordinal),
            $"{config.Source} binds the Pubky-TLS socket to '{(tls.Success ? tls.Groups[1].Value : "its default")}'; outside the container's loopback a client could sign up around the gate.");
    }

    [Fact]
    public void Homegate_config_mount_matches_the_image_command_and_the_stack()
    {
        var homegate = Service("homegate");
        var configPath = Dockerfile.Parse(RepositoryFiles.Read("Dockerfile")).Final.All("CMD").Last().ExecForm()!
            .SkipWhile(a => a != "--config").Skip(1).First();
        var mount = ComposeFile.Volumes(homegate).FirstOrDefault(v =>
            configPath == v.Target || configPath.StartsWith(v.Target.TrimEnd('/') + "/", StringComparison.Ordinal));
        Assert.True(mount.Source is not null, $"No homegate mount covers {configPath}, the file the image's CMD reads.");
        Assert.True(mount.ReadOnly, $"homegate's configuration mount {mount.Source} is writable.");

        var hostFile = mount.Target == configPath ? mount.Source : mount.Source.TrimEnd('/') + configPath[mount.Target.TrimEnd('/').Length..];
        using var json = JsonDocument.Parse(RepositoryFiles.Read(hostFile));
        var root = json.RootElement;
        var homegateSection = root.GetProperty("Homegate");

        var dataDir = homegateSection.GetProperty("DataDir").GetString();
        Assert.True(ComposeFile.Volumes(homegate).Any(v => v.Target == dataDir && ComposeFile.IsNamedVolume(v.Source)),
            $"{hostFile} puts DataDir at {dataDir}, which is not homegate's named volume.");

        var adminUrl = new Uri(homegateSection.GetProperty("Homeserver").GetProperty("AdminUrl").GetString()!);
        Assert.True(adminUrl.Host == "homeserver" && adminUrl.Port == 6288,
            $"{hostFile} sends admin calls to {adminUrl}, not the homeserver service's admin port (http://homeserver:6288).");
        var destination = new Uri(root.GetProperty("ReverseProxy").GetProperty("Clusters").GetProperty("homeserver")
            .GetProperty("Destinations").GetProperty("main").GetProperty("Address").GetString()!);
        Assert.True(destination.Host == "homeserver" && destination.Port == 6286,
            $"{hostFile} proxies to {destination}, not the homeserver service's client port (http://homeserver:6286/).");

        var gateway = ComposeFile.Scalar(
            ((YamlSequenceNode)ComposeFile.Child(ComposeFile.Map(ComposeFile.Map(Compose.TopLevel("networks")!, "default")!, "ipam")!, "config")!)
                .Children.OfType<YamlMappingNode>().First(), "gateway");
        var known = homegateSection.GetProperty("ForwardedHeaders").GetProperty("KnownNetworks").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(known.Contains(gateway) || known.Contains(gateway + "/32"),
            $"{hostFile} does not trust X-Forwarded-For from the network gateway {gateway}, the address a proxy on the host appears from; every client would share one rate limit.");
    }

    [Fact]
    public void Homegate_reaches_the_other_services_by_name_and_takes_its_secrets_from_env()
    {
        var env = ComposeFile.Environment(Service("homegate"));
        foreach (var key in new[] { "DATABASE_URL", "PHOENIXD_URL", "PHOENIXD_PASSWORD", "PRELUDE_API_KEY", "Homegate__Homeserver__AdminPassword" })
        {
            Assert.True(env.ContainsKey(key), $"homegate's environment lacks {key}.");
        }

        var database = new Uri(Regex.Replace(env["DATABASE_URL"], @"\$\{[^}]*\}", "x"));
        Assert.True(database.Scheme == "postgres" && database.Host == "postgres",
            $"DATABASE_URL does not point at the postgres service: {database.Scheme}://…@{database.Host}.");
        var phoenixd = new Uri(env["PHOENIXD_URL"]);
        Assert.True(phoenixd.Host == "phoenixd" && phoenixd.Port == 9740, $"PHOENIXD_URL is {phoenixd}, not http://phoenixd:9740.");

        foreach (var (key, value) in env.Where(e => Regex.IsMatch(e.Key, "PASSWORD|API_KEY", RegexOptions.IgnoreCase)))
        {
            Assert.True(value.StartsWith("${", StringComparison.Ordinal),
                $"homegate's {key} is written into docker-compose.yml instead of coming from .env.");
        }
    }

    [Fact]
    public void Env_example_names_every_variable_the_compose_file_reads()
    {
        var compose = RepositoryFiles.Read("docker-compose.yml");
        var example = RepositoryFiles.Read("deploy/.env.example");
        // $${...} is an escaped dollar: the container's shell expands it, not compose.
        var used = Regex.Matches(compose, @"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)").Select(m => m.Groups[1].Value).Distinct();
        foreach (var name in used)
        {
            Assert.True(Regex.IsMatch(example, $@"(?m)^{name}="),
                $"docker-compose.yml reads ${{{name}}} but deploy/.env.example does not define {name}.");
        }
    }
}
