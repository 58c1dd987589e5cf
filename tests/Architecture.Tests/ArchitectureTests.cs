namespace Platform.Architecture.Tests;

/// <summary>
/// The projects keep the layers of docs/architecture.md: the diagram there is the allowed-references table, and these
/// tests hold the csproj files and the compiled assemblies to it.
/// </summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void Diagram_shows_every_project_and_exactly_the_csproj_references()
    {
        var diagram = Repository.Diagram;
        AssertNone(LayerRules.DiagramCoversProjects(Repository.Projects, diagram)
            .Concat(LayerRules.DiagramMatchesProjectReferences(Repository.Projects, diagram)));
    }

    [Fact]
    public void Every_reference_points_to_a_lower_tier()
    {
        var diagram = Repository.Diagram;
        AssertNone(LayerRules.ReferencesPointDown(diagram, Repository.Projects.References.Concat(diagram.References)));
    }

    [Fact]
    public void Building_blocks_and_the_workflow_sidecar_know_no_domain()
    {
        var diagram = Repository.Diagram;
        var lowest = diagram.Tiers.Single(t => t.Rank == 0);
        foreach (var project in LayerRules.HostingProjects)
        {
            Assert.Contains(project, lowest.Projects);
            Assert.Empty(Repository.Projects.Projects[project].ProjectReferences);
            var platformAssemblies = Repository.Compiled[project].Assemblies.Where(a => a.StartsWith("Platform.", StringComparison.Ordinal));
            Assert.Empty(platformAssemblies);
        }
    }

    [Fact]
    public void Compiled_assemblies_use_only_the_references_the_diagram_allows()
    {
        var diagram = Repository.Diagram;
        AssertNone(Repository.Compiled.SelectMany(c => LayerRules.CompiledReferencesAllowed(Repository.Projects, diagram, c.Key, c.Value)));
    }

    [Fact]
    public void Domain_libraries_keep_off_ASP_NET_Core_Dapr_and_hosting_code()
    {
        var violations = Repository.Projects.Projects.Keys
            .SelectMany(p => LayerRules.DomainLibrariesStayDomain(Repository.Projects, p, Repository.Compiled[p]));
        var (unexempted, stale) = LayerRules.ApplyExemptions(violations, LayerRules.Exemptions);
        AssertNone(unexempted);
        Assert.True(stale.Count == 0,
            "These exemptions in LayerRules.Exemptions are no longer needed; delete them:\n" + string.Join("\n", stale));
    }

    [Fact]
    public void The_reader_sees_namespaces_and_assemblies_the_code_is_known_to_use()
    {
        // BuildingBlocks opens PostgreSQL connections and maps ASP.NET Core routes; a reader that missed them would pass anything.
        var buildingBlocks = Repository.Compiled["BuildingBlocks"];
        Assert.Contains("Npgsql", buildingBlocks.Assemblies);
        Assert.Contains(buildingBlocks.Types, t => t.Namespace == "Npgsql" && t.Name == "NpgsqlDataSource");
        Assert.Contains(buildingBlocks.Types, t => t.Namespace.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(Repository.Compiled["Platform"].Types, t => t.Namespace.StartsWith("Platform.MarketData", StringComparison.Ordinal));
    }

    private static void AssertNone(IEnumerable<Violation> violations)
    {
        var list = violations.ToList();
        Assert.True(list.Count == 0, "Architecture rules broken (see docs/architecture.md, \"Projects\"):\n" + string.Join("\n", list));
    }
}
