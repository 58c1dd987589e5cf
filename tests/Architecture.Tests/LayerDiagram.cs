using System.Text.RegularExpressions;

namespace Platform.Architecture.Tests;

/// <summary>A tier of the layer diagram; a project may reference only projects of lower tiers.</summary>
public sealed record Tier(string Name, int Rank, IReadOnlyList<string> Projects);

/// <summary>
/// The project diagram of docs/architecture.md: the first <c>mermaid</c> block, a flowchart whose subgraphs are the tiers
/// listed from the top (highest) down, whose nodes are <c>Id["Project"]</c> and whose edges <c>A --&gt; B</c> read
/// "A references B". Any other line is an error, so the doc cannot drift into a shape the test no longer reads.
/// </summary>
public sealed partial class LayerDiagram(IReadOnlyList<Tier> tiers, IReadOnlySet<(string From, string To)> references)
{
    public IReadOnlyList<Tier> Tiers { get; } = tiers;

    public IReadOnlySet<(string From, string To)> References { get; } = references;

    public int? RankOf(string project) => Tiers.FirstOrDefault(t => t.Projects.Contains(project))?.Rank;

    public IReadOnlySet<string> AllowedReferencesOf(string project) =>
        References.Where(r => r.From == project).Select(r => r.To).ToHashSet(StringComparer.Ordinal);

    public static LayerDiagram Parse(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.Trim() == "```mermaid");
        if (start < 0)
        {
            throw new InvalidDataException("docs/architecture.md has no ```mermaid block.");
        }

        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        var tiers = new List<(string Name, List<string> Projects)>();
        var edges = new List<(string From, string To)>();
        (string Name, List<string> Projects)? open = null;
        foreach (var raw in lines.Skip(start + 1).TakeWhile(l => l.Trim() != "```"))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("%%", StringComparison.Ordinal) || line.StartsWith("flowchart", StringComparison.Ordinal)
                || line.StartsWith("classDef", StringComparison.Ordinal) || line.StartsWith("class ", StringComparison.Ordinal))
            {
                continue;
            }

            if (Subgraph().Match(line) is { Success: true } subgraph)
            {
                open = open is null ? (subgraph.Groups["label"].Value, []) : throw new InvalidDataException($"Nested subgraph: '{line}'.");
                continue;
            }

            if (line == "end")
            {
                tiers.Add(open ?? throw new InvalidDataException("'end' without a subgraph."));
                open = null;
                continue;
            }

            if (Node().Match(line) is { Success: true } node)
            {
                if (open is null)
                {
                    throw new InvalidDataException($"Project {node.Groups["name"].Value} is outside every tier.");
                }

                nodes.Add(node.Groups["id"].Value, node.Groups["name"].Value);
                open.Value.Projects.Add(node.Groups["name"].Value);
                continue;
            }

            if (Edge().Match(line) is { Success: true } edge)
            {
                edges.Add((edge.Groups["from"].Value, edge.Groups["to"].Value));
                continue;
            }

            throw new InvalidDataException($"Unreadable line in the project diagram: '{line}'.");
        }

        string ProjectOf(string id) => nodes.TryGetValue(id, out var name) ? name : throw new InvalidDataException($"Edge names unknown node '{id}'.");
        return new LayerDiagram(
            [.. tiers.Select((t, index) => new Tier(t.Name, tiers.Count - 1 - index, t.Projects))],
            edges.Select(e => (ProjectOf(e.From), ProjectOf(e.To))).ToHashSet());
    }

    [GeneratedRegex("""^subgraph\s+\w+\s*\["(?<label>[^"]+)"\]$""")]
    private static partial Regex Subgraph();

    [GeneratedRegex("""^(?<id>\w+)\["(?<name>[^"]+)"\]$""")]
    private static partial Regex Node();

    [GeneratedRegex("""^(?<from>\w+)\s*-->\s*(?<to>\w+)$""")]
    private static partial Regex Edge();
}
