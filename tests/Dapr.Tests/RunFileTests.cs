using System.Reflection;
using System.Text.RegularExpressions;
using Platform.BuildingBlocks.Dapr;
using YamlDotNet.Serialization;

namespace Platform.Dapr.Tests;

/// <summary>
/// dapr.yaml, dapr.no-infra.yaml and components/ must parse and agree with the code: every component the code names through
/// <see cref="DaprOptions"/> exists with the expected type in every profile, nothing else is declared, and app ids, ports,
/// health checks and Dockerfiles line up.
/// </summary>
public sealed partial class RunFileTests
{
    private static readonly string RepoRoot = typeof(RunFileTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    private static readonly DaprOptions Names = new();

    private const string ValuationConfiguration = "components/valuation-configuration.yaml";

    // The component each DaprOptions name must resolve to; the pub/sub type depends on the profile.
    private static readonly Dictionary<string, string> ExpectedTypes = new()
    {
        [Names.StateStoreName] = "state.postgresql",
        [Names.ArtifactBindingName] = "bindings.localstorage",
        [Names.RetrainScheduleBindingName] = "bindings.cron",
    };

    private static readonly Dictionary<string, string> Apps = new()
    {
        ["valuation"] = "services/valuation/Valuation.Api",
        ["portfolio-twin"] = "services/portfolio-twin/PortfolioTwin.Api",
        ["training-workflow"] = "services/training-workflow/TrainingWorkflow",
    };

    public static TheoryData<string, string> Profiles => new()
    {
        { "dapr.yaml", "pubsub.redis" },
        { "dapr.no-infra.yaml", "pubsub.in-memory" },
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void The_run_file_starts_the_three_apps_with_their_ports_health_checks_and_components(string runFile, string pubSubType)
    {
        var template = Load(runFile);
        Assert.Equal("1", Scalar(template, "version"));
        var common = Map(template, "common");
        Assert.Equal("true", Scalar(common, "enableAppHealthCheck"));
        Assert.Equal("/health", Scalar(common, "appHealthCheckPath"));
        Assert.Equal("dapr", Scalar(Map(common, "env"), "Platform__Runtime"));
        Assert.True(File.Exists(Path.Combine(RepoRoot, Scalar(common, "configFilePath"))), $"{runFile}: configFilePath is missing");

        var apps = List(template, "apps").Cast<Dictionary<object, object>>().ToList();
        Assert.Equal(Apps.Keys.Order(), apps.Select(a => Scalar(a, "appID")).Order());
        foreach (var app in apps)
        {
            var id = Scalar(app, "appID");
            Assert.Equal(
                Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(RepoRoot, Apps[id]))),
                Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(RepoRoot, Scalar(app, "appDirPath")))));
            Assert.Single(Directory.GetFiles(Path.Combine(RepoRoot, Apps[id]), "*.csproj"));
            var urls = Scalar(Map(app, "env"), "ASPNETCORE_URLS");
            Assert.EndsWith(":" + Scalar(app, "appPort"), urls);
            Assert.Equal(id, Scalar(Map(app, "env"), "Dapr__EventSource"));
        }

        foreach (var key in new[] { "appPort", "daprHTTPPort", "daprGRPCPort" })
        {
            Assert.Equal(apps.Count, apps.Select(a => Scalar(a, key)).Distinct().Count());
        }

        var components = List(common, "resourcesPaths").Cast<string>()
            .SelectMany(path => Directory.GetFiles(Path.Combine(RepoRoot, path), "*.yaml"))
            .Select(Load)
            .ToList();
        CheckComponents(runFile, components, pubSubType);
    }

    [Fact]
    public void Every_file_under_components_is_a_dapr_resource_used_by_a_run_file()
    {
        var used = Profiles.Select(row => (string)row[0])
            .SelectMany(runFile => List(Map(Load(runFile), "common"), "resourcesPaths").Cast<string>()
                .SelectMany(path => Directory.GetFiles(Path.Combine(RepoRoot, path), "*.yaml"))
                .Append(Path.Combine(RepoRoot, Scalar(Map(Load(runFile), "common"), "configFilePath"))))
            .Select(Path.GetFullPath)
            .ToHashSet();
        // Used where Sentry identifies callers (Kubernetes, self-hosted with mTLS), not by the run files: checked below.
        used.Add(Path.GetFullPath(Path.Combine(RepoRoot, ValuationConfiguration)));

        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot, "components"), "*.yaml", SearchOption.AllDirectories))
        {
            var resource = Load(file);
            Assert.Equal("dapr.io/v1alpha1", Scalar(resource, "apiVersion"));
            Assert.Contains(Scalar(resource, "kind"), new[] { "Component", "Resiliency", "Configuration" });
            Assert.True(used.Contains(Path.GetFullPath(file)), $"{file} is not used by any run file");
        }
    }

    [Fact]
    public void The_configuration_enables_tracing()
    {
        var tracing = Map(Map(Load("components/configuration.yaml"), "spec"), "tracing");
        Assert.Equal("1", Scalar(tracing, "samplingRate"));
        Assert.False(string.IsNullOrEmpty(Scalar(Map(tracing, "otel"), "endpointAddress")));
    }

    [Fact]
    public void Valuations_access_control_lets_only_the_twin_invoke_estimate_and_keeps_the_shared_settings()
    {
        var configuration = Load(ValuationConfiguration);
        Assert.Equal("Configuration", Scalar(configuration, "kind"));
        var spec = Map(configuration, "spec");
        var shared = Map(Load("components/configuration.yaml"), "spec");
        // Everything configuration.yaml sets, unchanged, so switching valuation to this file loses no tracing or metrics.
        Assert.Equal(Yaml(shared), Yaml(spec.Where(e => (string)e.Key != "accessControl").ToDictionary(e => e.Key, e => e.Value)));

        var acl = Map(spec, "accessControl");
        Assert.Equal("deny", Scalar(acl, "defaultAction"));
        Assert.Equal("public", Scalar(acl, "trustDomain"));
        var policy = Assert.IsType<Dictionary<object, object>>(Assert.Single(List(acl, "policies")));
        Assert.Equal("portfolio-twin", Scalar(policy, "appId"));
        Assert.Contains(Scalar(policy, "appId"), Apps.Keys);
        Assert.Equal("deny", Scalar(policy, "defaultAction"));
        Assert.Equal("public", Scalar(policy, "trustDomain"));
        Assert.Equal("default", Scalar(policy, "namespace"));
        var operation = Assert.IsType<Dictionary<object, object>>(Assert.Single(List(policy, "operations")));
        Assert.Equal("/estimate", Scalar(operation, "name"));
        Assert.Equal(["POST"], List(operation, "httpVerb").Cast<string>());
        Assert.Equal("allow", Scalar(operation, "action"));

        // Every service invocation in the code (IServiceInvoker.InvokeAsync, which always POSTs) must be allowed by it: a new
        // call fails here until the callee's access control lists it.
        var calls = Directory.GetFiles(Path.Combine(RepoRoot, "services"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => InvocationRegex().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToList();
        Assert.Equal(["/estimate"], calls.Select(method => "/" + method.TrimStart('/')).Distinct());
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void The_run_files_commit_no_dapr_token(string runFile, string pubSubType)
    {
        _ = pubSubType;
        var text = File.ReadAllText(Path.Combine(RepoRoot, runFile));
        // The tokens come from the environment dapr run is started in (docs/dapr.md, "Tokens"), never from the file.
        foreach (var name in new[] { "APP_API_TOKEN", "DAPR_API_TOKEN", "Platform__Auth__DaprAppToken", "Dapr__AppApiToken", "Dapr__DaprApiToken" })
        {
            Assert.DoesNotMatch($@"(?m)^\s*{name}\s*:", text);
        }
    }

    [Fact]
    public void Every_app_is_built_by_the_one_Dockerfile_for_its_project_and_port()
    {
        var appPorts = List(Load("dapr.yaml"), "apps").Cast<Dictionary<object, object>>()
            .ToDictionary(a => Scalar(a, "appID"), a => Scalar(a, "appPort"));
        // One Dockerfile at the root; the release's matrix gives each image its project and port (tests/Deploy.Tests checks the rest).
        var text = File.ReadAllText(Path.Combine(RepoRoot, "Dockerfile"));
        Assert.Contains("dotnet publish \"$PROJECT\"", text);
        Assert.Contains("EXPOSE ${PORT}", text);
        Assert.Contains("-getProperty:AssemblyName", text);
        var images = List(Map(Map(Map(Map(Load(".github/workflows/release.yml"), "jobs"), "images"), "strategy"), "matrix"), "include")
            .Cast<Dictionary<object, object>>().ToList();
        foreach (var (appId, folder) in Apps)
        {
            var project = Path.GetFileName(Directory.GetFiles(Path.Combine(RepoRoot, folder), "*.csproj").Single());
            var image = images.SingleOrDefault(i => Scalar(i, "project") == $"{folder}/{project}");
            Assert.True(image is not null, $"{appId}: the release builds no image of {folder}/{project}");
            Assert.Equal(appPorts[appId], Scalar(image, "port"));
            Assert.False(string.IsNullOrEmpty(AssemblyNameRegex().Match(File.ReadAllText(Path.Combine(RepoRoot, folder, project))).Groups[1].Value));
        }
    }

    private static void CheckComponents(string runFile, IReadOnlyList<Dictionary<object, object>> resources, string pubSubType)
    {
        var components = resources.Where(r => Scalar(r, "kind") == "Component").ToList();
        var byName = components.ToDictionary(c => Scalar(Map(c, "metadata"), "name"), c => c);
        var expected = new Dictionary<string, string>(ExpectedTypes) { [Names.PubSubName] = pubSubType };
        var secretStores = components.Where(c => Scalar(Map(c, "spec"), "type").StartsWith("secretstores.", StringComparison.Ordinal))
            .Select(c => Scalar(Map(c, "metadata"), "name")).ToHashSet();

        foreach (var (name, type) in expected)
        {
            Assert.True(byName.ContainsKey(name), $"{runFile}: no component '{name}' (named by DaprOptions)");
            Assert.Equal(type, Scalar(Map(byName[name], "spec"), "type"));
        }

        // Only components the code names, plus secret stores other components read from.
        Assert.Empty(byName.Keys.Except(expected.Keys).Except(secretStores));
        Assert.Equal("v2", Scalar(Map(byName[Names.StateStoreName], "spec"), "version"));
        // daprd keeps workflow history in the actor state store; app state must not share a key prefix with actor keys
        // ("<app-id>||<actor-type>||..."): a static prefix with a character no app id may contain.
        Assert.Equal("true", Metadata(byName[Names.StateStoreName], "actorStateStore"));
        Assert.Single(components, c => Map(c, "spec").ContainsKey("metadata") && Metadata(c, "actorStateStore") == "true");
        var keyPrefix = Metadata(byName[Names.StateStoreName], "keyPrefix");
        Assert.NotNull(keyPrefix);
        Assert.DoesNotContain(keyPrefix, new[] { "appid", "name", "namespace", "none" });
        Assert.Contains('.', keyPrefix);
        Assert.DoesNotContain("||", keyPrefix, StringComparison.Ordinal);
        Assert.Equal(
            $"{DaprInputBindingEndpoints.RoutePrefix}/{Names.RetrainScheduleBindingName}",
            Metadata(byName[Names.RetrainScheduleBindingName], "route"));
        Assert.Equal(["training-workflow"], List(byName[Names.RetrainScheduleBindingName], "scopes").Cast<string>());

        foreach (var component in components)
        {
            var usesSecrets = List(Map(component, "spec"), "metadata").Cast<Dictionary<object, object>>().Any(m => m.ContainsKey("secretKeyRef"));
            if (usesSecrets)
            {
                Assert.Contains(Scalar(Map(component, "auth"), "secretStore"), secretStores);
            }

            if (component.ContainsKey("scopes"))
            {
                Assert.All(List(component, "scopes").Cast<string>(), scope => Assert.Contains(scope, Apps.Keys));
            }
        }

        var resiliency = Assert.Single(resources, r => Scalar(r, "kind") == "Resiliency");
        CheckResiliency(resiliency, byName.Keys.ToHashSet());
    }

    private static void CheckResiliency(Dictionary<object, object> resiliency, HashSet<string> componentNames)
    {
        var spec = Map(resiliency, "spec");
        var policies = Map(spec, "policies");
        var defined = new Dictionary<string, HashSet<string>>
        {
            ["timeout"] = Map(policies, "timeouts").Keys.Cast<string>().ToHashSet(),
            ["retry"] = Map(policies, "retries").Keys.Cast<string>().ToHashSet(),
            ["circuitBreaker"] = Map(policies, "circuitBreakers").Keys.Cast<string>().ToHashSet(),
        };
        var targets = Map(spec, "targets");
        var referenced = new List<Dictionary<object, object>>();
        foreach (var (app, policy) in Map(targets, "apps"))
        {
            Assert.Contains((string)app, Apps.Keys);
            referenced.Add((Dictionary<object, object>)policy);
        }

        foreach (var (component, directions) in Map(targets, "components"))
        {
            Assert.Contains((string)component, componentNames);
            referenced.AddRange(((Dictionary<object, object>)directions).Values.Cast<Dictionary<object, object>>());
        }

        foreach (var target in referenced)
        {
            foreach (var (kind, name) in target)
            {
                Assert.Contains((string)name, defined[(string)kind]);
            }
        }

        // The spec asks for all three kinds of policy on both the state store and pub/sub.
        foreach (var component in new[] { Names.StateStoreName, Names.PubSubName })
        {
            var outbound = Map(Map(Map(targets, "components"), component), "outbound");
            Assert.Equal(["circuitBreaker", "retry", "timeout"], outbound.Keys.Cast<string>().Order());
        }
    }

    private static Dictionary<object, object> Load(string relativePath)
    {
        var path = Path.IsPathRooted(relativePath) ? relativePath : Path.Combine(RepoRoot, relativePath);
        var parsed = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>?>(File.ReadAllText(path));
        return parsed ?? throw new InvalidDataException($"{path} is empty");
    }

    private static string? Metadata(Dictionary<object, object> component, string name) =>
        List(Map(component, "spec"), "metadata").Cast<Dictionary<object, object>>()
            .Where(m => Scalar(m, "name") == name)
            .Select(m => Scalar(m, "value"))
            .SingleOrDefault();

    private static Dictionary<object, object> Map(Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is Dictionary<object, object> map ? map
        : throw new InvalidDataException($"'{key}' is missing or not a mapping");

    private static List<object> List(Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is List<object> list ? list
        : throw new InvalidDataException($"'{key}' is missing or not a list");

    private static string Scalar(Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is string text ? text
        : throw new InvalidDataException($"'{key}' is missing or not a scalar");

    private static string Yaml(object node) => new SerializerBuilder().Build().Serialize(node);

    [GeneratedRegex("<AssemblyName>([^<]+)</AssemblyName>")]
    private static partial Regex AssemblyNameRegex();

    // invoker.InvokeAsync<TRequest, TResponse>(appId, "method", ...): the method literal.
    [GeneratedRegex(@"\.InvokeAsync<[^>]+>\(\s*[^,]+,\s*""([^""]+)""")]
    private static partial Regex InvocationRegex();
}
