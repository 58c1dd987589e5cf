namespace Platform.Architecture.Tests;

public enum ViolationKind
{
    /// <summary>A project is missing from the diagram, or the diagram names one that does not exist.</summary>
    Diagram,

    /// <summary>A csproj reference the diagram does not show, or one the diagram shows that the csproj lacks.</summary>
    ProjectReference,

    /// <summary>A reference from a tier to the same or a higher tier.</summary>
    Layering,

    /// <summary>A compiled assembly uses an assembly or namespace its project may not.</summary>
    Assembly,
    Namespace,

    /// <summary>A csproj package, framework or SDK a library of its kind may not use.</summary>
    Package,
}

/// <summary>One broken rule; <see cref="Subject"/> is what an exemption names (a project, package, assembly or namespace root).</summary>
public sealed record Violation(string Project, ViolationKind Kind, string Subject, string Message)
{
    public override string ToString() => $"{Project}: {Message}";
}

/// <summary>A known violation another change is removing; it must still occur (a stale exemption fails), so the list only shrinks.</summary>
public sealed record Exemption(string Project, ViolationKind Kind, string Subject, string Why)
{
    public bool Covers(Violation violation) => violation.Project == Project && violation.Kind == Kind && violation.Subject == Subject;
}

/// <summary>Packages that bring in hosting or data access.</summary>
public static class ForbiddenPackages
{
    public static bool IsWebStack(string package) =>
        package.Contains("AspNetCore", StringComparison.Ordinal) || package == "Dapr" || package.StartsWith("Dapr.", StringComparison.Ordinal);

    public static bool IsDataAccess(string package) => package.StartsWith("Npgsql", StringComparison.Ordinal);
}

/// <summary>
/// The architecture rules, as functions of the csproj graph, the diagram and the compiled references, so that each can
/// also be shown to fail on a graph that breaks it.
/// </summary>
public static class LayerRules
{
    /// <summary>The projects that host code: the building blocks (ASP.NET Core, Dapr, Npgsql adapters) and the workflow sidecar.</summary>
    public static readonly IReadOnlySet<string> HostingProjects = new HashSet<string>(StringComparer.Ordinal) { "BuildingBlocks", "EmbeddedWorkflowSidecar" };

    /// <summary>Namespace roots of the web stack (ASP.NET Core, Dapr, gRPC hosting) and of the platform's hosting projects.</summary>
    public static readonly IReadOnlyList<string> WebStackNamespaces =
        ["Microsoft.AspNetCore", "Dapr", "Grpc.AspNetCore", "Platform.BuildingBlocks", "Platform.EmbeddedWorkflowSidecar"];

    /// <summary>What a model library must not use on top of the web stack: Npgsql and the market data's own hosting code.</summary>
    public static readonly IReadOnlyList<string> DataAccessNamespaces = ["Npgsql", "NpgsqlTypes", "Platform.MarketData.Hosting"];

    public static readonly IReadOnlyList<string> WebStackAssemblies =
        ["Microsoft.AspNetCore", "Dapr", "Grpc.AspNetCore", "Platform.BuildingBlocks", "Platform.EmbeddedWorkflowSidecar"];

    public static readonly IReadOnlyList<string> DataAccessAssemblies = ["Npgsql"];

    /// <summary>
    /// Known breaks that another engineer's change removes. Each entry must still be needed: when the change lands, the test
    /// says which entry to delete.
    /// </summary>
    public static readonly IReadOnlyList<Exemption> Exemptions = [];

    /// <summary>The diagram names every production project once, and only those.</summary>
    public static IEnumerable<Violation> DiagramCoversProjects(ProjectGraph graph, LayerDiagram diagram)
    {
        var drawn = diagram.Tiers.SelectMany(t => t.Projects).ToList();
        foreach (var twice in drawn.GroupBy(p => p).Where(g => g.Count() > 1))
        {
            yield return new(twice.Key, ViolationKind.Diagram, twice.Key, "is drawn in more than one place in the diagram");
        }

        foreach (var missing in graph.Projects.Keys.Except(drawn).Order(StringComparer.Ordinal))
        {
            yield return new(missing, ViolationKind.Diagram, missing, "is a project under services/ but not in the diagram of docs/architecture.md (add it to a tier)");
        }

        foreach (var unknown in drawn.Except(graph.Projects.Keys).Order(StringComparer.Ordinal))
        {
            yield return new(unknown, ViolationKind.Diagram, unknown, "is in the diagram but no services/**/" + unknown + ".csproj exists");
        }
    }

    /// <summary>The diagram's arrows are exactly the csproj project references.</summary>
    public static IEnumerable<Violation> DiagramMatchesProjectReferences(ProjectGraph graph, LayerDiagram diagram)
    {
        foreach (var (from, to) in graph.References.Except(diagram.References).Order())
        {
            yield return new(from, ViolationKind.ProjectReference, to, $"references {to} in its csproj, but the diagram has no {from} --> {to}");
        }

        foreach (var (from, to) in diagram.References.Except(graph.References).Order())
        {
            yield return new(from, ViolationKind.ProjectReference, to, $"has {from} --> {to} in the diagram, but its csproj does not reference {to}");
        }
    }

    /// <summary>Every reference goes from a tier to a strictly lower one: no lower layer knows a higher one, and peers know nothing of each other.</summary>
    public static IEnumerable<Violation> ReferencesPointDown(LayerDiagram diagram, IEnumerable<(string From, string To)> references)
    {
        foreach (var (from, to) in references.Distinct().Order())
        {
            if (diagram.RankOf(from) is { } fromRank && diagram.RankOf(to) is { } toRank && toRank >= fromRank)
            {
                yield return new(from, ViolationKind.Layering, to,
                    $"references {to}, which is in tier '{diagram.Tiers.First(t => t.Rank == toRank).Name}', not below its own tier '{diagram.Tiers.First(t => t.Rank == fromRank).Name}'");
            }
        }
    }

    /// <summary>
    /// What the compiled assembly uses of the other production projects (by assembly reference and by the namespaces of the
    /// types it uses) is among the references the diagram allows it.
    /// </summary>
    public static IEnumerable<Violation> CompiledReferencesAllowed(ProjectGraph graph, LayerDiagram diagram, string project, CompiledReferences compiled)
    {
        var allowed = diagram.AllowedReferencesOf(project);
        var byAssembly = graph.Projects.Values.ToDictionary(p => p.AssemblyName, p => p.Name, StringComparer.Ordinal);
        foreach (var assembly in compiled.Assemblies.Order(StringComparer.Ordinal))
        {
            if (byAssembly.TryGetValue(assembly, out var target) && target != project && !allowed.Contains(target))
            {
                yield return new(project, ViolationKind.Assembly, target, $"compiled code references assembly {assembly} (project {target}), which the diagram does not allow it");
            }
        }

        var namespaces = graph.Projects.Values.OrderByDescending(p => p.RootNamespace.Length).ToList();
        foreach (var uses in compiled.Types.GroupBy(t => namespaces.FirstOrDefault(p => IsUnder(t.Namespace, p.RootNamespace))?.Name))
        {
            if (uses.Key is { } target && target != project && !allowed.Contains(target))
            {
                yield return new(project, ViolationKind.Namespace, target,
                    $"compiled code uses types of project {target} (e.g. {string.Join(", ", uses.Take(3))}), which the diagram does not allow it");
            }
        }
    }

    /// <summary>
    /// MarketData and the <c>*.Model</c> libraries are domain code: no ASP.NET Core, Dapr or hosting projects, directly, through
    /// a project they reference, or in their compiled code. Model libraries also keep out of data access (Npgsql) and the
    /// market data's hosting code (<c>AddMarketData</c>).
    /// </summary>
    public static IEnumerable<Violation> DomainLibrariesStayDomain(ProjectGraph graph, string project, CompiledReferences? compiled)
    {
        var file = graph.Projects[project];
        var isModel = file.IsModelLibrary;
        if (!isModel && project != "MarketData")
        {
            yield break;
        }

        IReadOnlyList<string> namespaces = isModel ? [.. WebStackNamespaces, .. DataAccessNamespaces] : WebStackNamespaces;
        IReadOnlyList<string> assemblies = isModel ? [.. WebStackAssemblies, .. DataAccessAssemblies] : WebStackAssemblies;

        if (file.Sdk != "Microsoft.NET.Sdk")
        {
            yield return new(project, ViolationKind.Package, file.Sdk, $"is built with {file.Sdk}; a domain library uses Microsoft.NET.Sdk");
        }

        foreach (var framework in file.FrameworkReferences.Where(f => f == "Microsoft.AspNetCore.App"))
        {
            yield return new(project, ViolationKind.Package, framework, $"references the {framework} shared framework");
        }

        foreach (var package in file.PackageReferences.Where(p => ForbiddenPackages.IsWebStack(p) || (isModel && ForbiddenPackages.IsDataAccess(p))).Order(StringComparer.Ordinal))
        {
            yield return new(project, ViolationKind.Package, package, $"references package {package}");
        }

        foreach (var reached in graph.Closure(project).Order(StringComparer.Ordinal))
        {
            if (HostingProjects.Contains(reached) || (graph.Projects.TryGetValue(reached, out var other) && other.UsesWebStack))
            {
                yield return new(project, ViolationKind.ProjectReference, reached, $"references {reached} (directly or through another project), which brings in hosting code");
            }
        }

        if (compiled is null)
        {
            yield break;
        }

        foreach (var assembly in compiled.Assemblies.Order(StringComparer.Ordinal))
        {
            if (assemblies.FirstOrDefault(root => IsUnder(assembly, root)) is { } root)
            {
                yield return new(project, ViolationKind.Assembly, root, $"compiled code references assembly {assembly}");
            }
        }

        foreach (var uses in compiled.Types.GroupBy(t => namespaces.FirstOrDefault(root => IsUnder(t.Namespace, root))).Where(g => g.Key is not null))
        {
            yield return new(project, ViolationKind.Namespace, uses.Key!, $"compiled code uses {uses.Key} (e.g. {string.Join(", ", uses.Take(3))})");
        }
    }

    /// <summary>Splits violations into those an exemption covers and the rest, and names the exemptions nothing needs any more.</summary>
    public static (IReadOnlyList<Violation> Unexempted, IReadOnlyList<Exemption> Stale) ApplyExemptions(IEnumerable<Violation> violations, IEnumerable<Exemption> exemptions)
    {
        var all = violations.ToList();
        var list = exemptions.ToList();
        return ([.. all.Where(v => !list.Any(e => e.Covers(v)))], [.. list.Where(e => !all.Any(e.Covers))]);
    }

    private static bool IsUnder(string name, string root) =>
        name == root || (name.StartsWith(root, StringComparison.Ordinal) && name.Length > root.Length && name[root.Length] == '.');
}
