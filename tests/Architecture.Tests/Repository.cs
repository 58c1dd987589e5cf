using System.Reflection;

namespace Platform.Architecture.Tests;

/// <summary>The source tree and this build's production assemblies, read once per test run.</summary>
public static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value ?? throw new InvalidOperationException("RepoRoot metadata is empty.");

    public static string ArchitectureDoc { get; } = Path.Combine(Root, "docs", "architecture.md");

    public static ProjectGraph Projects { get; } = ProjectGraph.Load(Root);

    public static LayerDiagram Diagram => LayerDiagram.Parse(File.ReadAllText(ArchitectureDoc));

    /// <summary>Project name → its compiled references, from the assembly list the test project writes at build time.</summary>
    public static IReadOnlyDictionary<string, CompiledReferences> Compiled { get; } = ReadCompiled();

    private static Dictionary<string, CompiledReferences> ReadCompiled()
    {
        var list = Path.Combine(AppContext.BaseDirectory, "production-assemblies.txt");
        var paths = File.ReadAllLines(list).Where(l => l.Length > 0).ToList();
        var byAssembly = Projects.Projects.Values.ToDictionary(p => p.AssemblyName, StringComparer.Ordinal);
        var compiled = new Dictionary<string, CompiledReferences>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (byAssembly.TryGetValue(Path.GetFileNameWithoutExtension(path), out var project))
            {
                compiled[project.Name] = CompiledReferences.Read(path);
            }
        }

        var missing = Projects.Projects.Keys.Except(compiled.Keys).ToList();
        return missing.Count == 0
            ? compiled
            : throw new InvalidOperationException($"No compiled assembly for {string.Join(", ", missing)} in {list}.");
    }
}
