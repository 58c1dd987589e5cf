using System.Text;

namespace Platform.Deploy.Tests;

/// <summary>Where an environment variable's value comes from in a rendered pod spec.</summary>
public abstract record EnvSource;

public sealed record LiteralValue(string Value) : EnvSource;

public sealed record SecretValue(string Secret, string Key) : EnvSource;

/// <summary>Lookups over the objects an overlay renders to.</summary>
public sealed class Manifests(string overlay, IReadOnlyList<Dictionary<object, object>> objects)
{
    public static Manifests Render(string overlay) => new(overlay, Kubectl.Kustomize($"deploy/k8s/overlays/{overlay}"));

    public string Overlay { get; } = overlay;

    public IReadOnlyList<Dictionary<object, object>> Objects { get; } = objects;

    public static string KindOf(Dictionary<object, object> o) => o.Scalar("kind");

    public static string NameOf(Dictionary<object, object> o) => o.Map("metadata").Scalar("name");

    public IEnumerable<Dictionary<object, object>> OfKind(string kind) => Objects.Where(o => KindOf(o) == kind);

    public Dictionary<object, object>? Find(string kind, string name) => OfKind(kind).SingleOrDefault(o => NameOf(o) == name);

    public Dictionary<object, object> Get(string kind, string name) =>
        Find(kind, name) ?? throw new InvalidDataException($"{Overlay}: no {kind} '{name}' (has: {string.Join(", ", Objects.Select(o => $"{KindOf(o)}/{NameOf(o)}"))})");

    /// <summary>Deployments, StatefulSets and Jobs: everything that runs containers.</summary>
    public IEnumerable<Dictionary<object, object>> Workloads => Objects.Where(o => KindOf(o) is "Deployment" or "StatefulSet" or "Job");

    public static Dictionary<object, object> PodSpec(Dictionary<object, object> workload) => workload.At("spec.template.spec");

    /// <summary>Every container of the pod: its init containers, then its containers.</summary>
    public static IEnumerable<Dictionary<object, object>> AllContainers(Dictionary<object, object> workload) =>
        PodSpec(workload).Maps("initContainers").Concat(PodSpec(workload).Maps("containers"));

    public static Dictionary<object, object> Container(Dictionary<object, object> workload, string name) =>
        PodSpec(workload).Maps("containers").SingleOrDefault(c => c.Scalar("name") == name)
        ?? throw new InvalidDataException($"{NameOf(workload)}: no container '{name}'");

    /// <summary>The container's environment: <c>envFrom</c> ConfigMaps first, then <c>env</c>, which wins, as in Kubernetes.</summary>
    public IReadOnlyDictionary<string, EnvSource> Environment(Dictionary<object, object> container)
    {
        var environment = new Dictionary<string, EnvSource>();
        foreach (var from in container.Maps("envFrom"))
        {
            var configMap = Get("ConfigMap", from.Map("configMapRef").Scalar("name"));
            foreach (var (key, value) in configMap.MapOrEmpty("data"))
            {
                environment[(string)key] = new LiteralValue(value as string ?? "");
            }
        }

        foreach (var variable in container.Maps("env"))
        {
            var name = variable.Scalar("name");
            if (variable.ContainsKey("valueFrom"))
            {
                // Only secrets: settings that are not secret live in the ConfigMap or as literals.
                var reference = variable.Map("valueFrom").Map("secretKeyRef");
                environment[name] = new SecretValue(reference.Scalar("name"), reference.Scalar("key"));
            }
            else
            {
                environment[name] = new LiteralValue(variable.ScalarOrNull("value") ?? "");
            }
        }

        return environment;
    }

    /// <summary>A secret's value when the overlay renders the Secret (kind), else null (production: created by the operator).</summary>
    public string? SecretText(string secret, string key)
    {
        if (Find("Secret", secret) is not { } found)
        {
            return null;
        }

        if (found.MapOrEmpty("stringData").TryGetValue(key, out var text))
        {
            return (string)text;
        }

        return found.MapOrEmpty("data").TryGetValue(key, out var encoded)
            ? Encoding.UTF8.GetString(Convert.FromBase64String((string)encoded))
            : throw new InvalidDataException($"{Overlay}: Secret '{secret}' has no key '{key}'");
    }

    /// <summary>Every (secret, key) the rendered objects reference: pod env, Dapr component metadata, Dapr token annotations.</summary>
    public IEnumerable<(string Where, string Secret, string Key)> SecretReferences()
    {
        foreach (var workload in Workloads)
        {
            foreach (var container in AllContainers(workload))
            {
                foreach (var (name, source) in Environment(container))
                {
                    if (source is SecretValue secret)
                    {
                        yield return ($"{NameOf(workload)} env {name}", secret.Secret, secret.Key);
                    }
                }
            }

            foreach (var (annotation, value) in workload.At("spec.template.metadata").MapOrEmpty("annotations"))
            {
                // The injector reads the key "token" of these secrets.
                if ((string)annotation is "dapr.io/api-token-secret" or "dapr.io/app-token-secret")
                {
                    yield return ($"{NameOf(workload)} {annotation}", (string)value, "token");
                }
            }
        }

        foreach (var component in OfKind("Component"))
        {
            foreach (var entry in component.At("spec").Maps("metadata").Where(m => m.ContainsKey("secretKeyRef")))
            {
                var reference = entry.Map("secretKeyRef");
                yield return ($"Component {NameOf(component)} {entry.Scalar("name")}", reference.Scalar("name"), reference.Scalar("key"));
            }
        }
    }

    public static string? MetadataValue(Dictionary<object, object> component, string name) =>
        component.At("spec").Maps("metadata").SingleOrDefault(m => m.Scalar("name") == name)?.ScalarOrNull("value");

    /// <summary>The port a Service named <paramref name="host"/> offers for <paramref name="port"/>, checked to exist.</summary>
    public bool ServiceOffers(string host, int port) =>
        Find("Service", host) is { } service && service.At("spec").Maps("ports").Any(p => p.Scalar("port") == port.ToString());
}
