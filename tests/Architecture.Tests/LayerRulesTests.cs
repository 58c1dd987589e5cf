namespace Platform.Architecture.Tests;

/// <summary>Each rule fails on a small graph that breaks it, so a green run of <see cref="ArchitectureTests"/> means something.</summary>
public sealed class LayerRulesTests
{
    private const string Diagram = """
        ```mermaid
        flowchart TB
            subgraph services["services"]
                Api["Shop.Api"]
            end
            subgraph models["models"]
                Model["Shop.Model"]
            end
            subgraph data["market data"]
                MarketData["MarketData"]
            end
            subgraph blocks["building blocks"]
                BuildingBlocks["BuildingBlocks"]
            end
            Api --> Model
            Api --> BuildingBlocks
            Model --> MarketData
        ```
        """;

    private static ProjectFile Project(string name, string[]? references = null, string[]? packages = null, string[]? frameworks = null,
        string sdk = "Microsoft.NET.Sdk") =>
        new(name, sdk, "Platform." + name, "Platform." + name, new HashSet<string>(frameworks ?? []), new HashSet<string>(packages ?? []),
            new HashSet<string>(references ?? []));

    private static ProjectGraph Graph(params ProjectFile[] projects) => new(projects);

    private static ProjectGraph Sound() => Graph(
        Project("Shop.Api", ["Shop.Model", "BuildingBlocks"], sdk: "Microsoft.NET.Sdk.Web"),
        Project("Shop.Model", ["MarketData"]),
        Project("MarketData", packages: ["Npgsql"]),
        Project("BuildingBlocks", packages: ["Npgsql", "Dapr.AspNetCore"], frameworks: ["Microsoft.AspNetCore.App"]));

    [Fact]
    public void A_sound_graph_passes_every_rule()
    {
        var graph = Sound();
        var diagram = LayerDiagram.Parse(Diagram);
        Assert.Empty(LayerRules.DiagramCoversProjects(graph, diagram));
        Assert.Empty(LayerRules.DiagramMatchesProjectReferences(graph, diagram));
        Assert.Empty(LayerRules.ReferencesPointDown(diagram, graph.References));
        Assert.Empty(graph.Projects.Keys.SelectMany(p => LayerRules.DomainLibrariesStayDomain(graph, p, null)));
    }

    [Fact]
    public void Tiers_are_ranked_from_the_top_of_the_diagram_down()
    {
        var diagram = LayerDiagram.Parse(Diagram);
        Assert.Equal(["services", "models", "market data", "building blocks"], diagram.Tiers.Select(t => t.Name));
        Assert.Equal(3, diagram.RankOf("Shop.Api"));
        Assert.Equal(0, diagram.RankOf("BuildingBlocks"));
    }

    [Fact]
    public void Building_blocks_referencing_market_data_breaks_the_layering()
    {
        var diagram = LayerDiagram.Parse(Diagram);
        var violation = Assert.Single(LayerRules.ReferencesPointDown(diagram, [("BuildingBlocks", "MarketData")]));
        Assert.Equal(ViolationKind.Layering, violation.Kind);
        Assert.Contains("not below its own tier 'building blocks'", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Peers_in_one_tier_may_not_reference_each_other()
    {
        var diagram = LayerDiagram.Parse(Diagram.Replace("""Api["Shop.Api"]""", "Api[\"Shop.Api\"]\n        Other[\"Other.Api\"]", StringComparison.Ordinal));
        Assert.Single(LayerRules.ReferencesPointDown(diagram, [("Shop.Api", "Other.Api")]));
    }

    [Fact]
    public void A_csproj_reference_missing_from_the_diagram_and_an_arrow_missing_from_the_csproj_are_both_reported()
    {
        var graph = Graph(
            Project("Shop.Api", ["Shop.Model", "BuildingBlocks", "MarketData"]),
            Project("Shop.Model"),
            Project("MarketData"),
            Project("BuildingBlocks"));
        var violations = LayerRules.DiagramMatchesProjectReferences(graph, LayerDiagram.Parse(Diagram)).ToList();
        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.Project == "Shop.Api" && v.Subject == "MarketData");
        Assert.Contains(violations, v => v.Project == "Shop.Model" && v.Subject == "MarketData");
    }

    [Fact]
    public void A_project_not_in_the_diagram_is_reported()
    {
        var graph = Graph([.. Sound().Projects.Values, Project("Newcomer")]);
        var violation = Assert.Single(LayerRules.DiagramCoversProjects(graph, LayerDiagram.Parse(Diagram)));
        Assert.Equal("Newcomer", violation.Project);
    }

    [Fact]
    public void An_unreadable_diagram_line_is_an_error()
    {
        var broken = Diagram.Replace("Model --> MarketData", "Model -.-> MarketData", StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => LayerDiagram.Parse(broken));
    }

    [Fact]
    public void A_model_library_with_the_web_stack_data_access_or_hosting_code_is_reported()
    {
        var graph = Graph(
            Project("Shop.Model", ["BuildingBlocks"], packages: ["Npgsql", "Dapr.Client"], frameworks: ["Microsoft.AspNetCore.App"]),
            Project("BuildingBlocks"));
        var violations = LayerRules.DomainLibrariesStayDomain(graph, "Shop.Model", null).ToList();
        Assert.Contains(violations, v => v.Kind == ViolationKind.Package && v.Subject == "Npgsql");
        Assert.Contains(violations, v => v.Kind == ViolationKind.Package && v.Subject == "Dapr.Client");
        Assert.Contains(violations, v => v.Kind == ViolationKind.Package && v.Subject == "Microsoft.AspNetCore.App");
        Assert.Contains(violations, v => v.Kind == ViolationKind.ProjectReference && v.Subject == "BuildingBlocks");
    }

    [Fact]
    public void A_model_library_reaching_the_web_stack_through_another_project_is_reported()
    {
        var graph = Graph(
            Project("Shop.Model", ["MarketData"]),
            Project("MarketData", ["Web"]),
            Project("Web", sdk: "Microsoft.NET.Sdk.Web"));
        Assert.Contains(LayerRules.DomainLibrariesStayDomain(graph, "Shop.Model", null), v => v.Subject == "Web");
        Assert.Contains(LayerRules.DomainLibrariesStayDomain(graph, "MarketData", null), v => v.Subject == "Web");
    }

    [Fact]
    public void Compiled_uses_of_forbidden_namespaces_and_assemblies_are_reported()
    {
        var graph = Sound();
        var compiled = new CompiledReferences(
            new HashSet<string> { "System.Runtime", "Npgsql", "Platform.MarketData" },
            [
                new("Npgsql", "NpgsqlTypes", "NpgsqlDbType"),
                new("Platform.MarketData", "Platform.MarketData.Hosting", "MarketDataServiceCollectionExtensions"),
                new("Platform.MarketData", "Platform.MarketData.Domain", "PropertyRecord"),
                new("Microsoft.AspNetCore.Http.Abstractions", "Microsoft.AspNetCore.Http", "HttpContext"),
            ]);
        var violations = LayerRules.DomainLibrariesStayDomain(graph, "Shop.Model", compiled).ToList();
        Assert.Contains(violations, v => v.Kind == ViolationKind.Assembly && v.Subject == "Npgsql");
        Assert.Contains(violations, v => v.Kind == ViolationKind.Namespace && v.Subject == "NpgsqlTypes");
        Assert.Contains(violations, v => v.Kind == ViolationKind.Namespace && v.Subject == "Platform.MarketData.Hosting");
        Assert.Contains(violations, v => v.Kind == ViolationKind.Namespace && v.Subject == "Microsoft.AspNetCore");
        Assert.DoesNotContain(violations, v => v.Subject == "Platform.MarketData");

        // MarketData itself is the data layer: Npgsql is its business, the web stack is not.
        var marketData = LayerRules.DomainLibrariesStayDomain(graph, "MarketData", compiled).ToList();
        Assert.DoesNotContain(marketData, v => v.Subject is "Npgsql" or "NpgsqlTypes");
        Assert.Contains(marketData, v => v.Subject == "Microsoft.AspNetCore");
    }

    [Fact]
    public void Compiled_uses_of_a_project_the_diagram_does_not_allow_are_reported_by_assembly_and_by_namespace()
    {
        var graph = Sound();
        var compiled = new CompiledReferences(
            new HashSet<string> { "Platform.MarketData", "Platform.Shop.Model" },
            [new("Platform.MarketData", "Platform.MarketData.Domain", "PropertyRecord"), new("Platform.Shop.Model", "Platform.Shop.Model", "Trainer")]);
        var violations = LayerRules.CompiledReferencesAllowed(graph, LayerDiagram.Parse(Diagram), "Shop.Api", compiled).ToList();
        Assert.Equal(2, violations.Count);
        Assert.All(violations, v => Assert.Equal("MarketData", v.Subject));
        Assert.Contains(violations, v => v.Kind == ViolationKind.Assembly);
        Assert.Contains(violations, v => v.Kind == ViolationKind.Namespace);
    }

    [Fact]
    public void An_exemption_covers_its_violation_and_a_stale_one_is_named()
    {
        var violation = new Violation("Shop.Model", ViolationKind.Package, "Npgsql", "references package Npgsql");
        var covering = new Exemption("Shop.Model", ViolationKind.Package, "Npgsql", "being moved");
        var stale = new Exemption("Shop.Model", ViolationKind.Namespace, "Npgsql", "already moved");
        var (unexempted, unused) = LayerRules.ApplyExemptions([violation], [covering, stale]);
        Assert.Empty(unexempted);
        Assert.Equal([stale], unused);
    }
}
