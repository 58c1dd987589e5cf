using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Deploy.Tests;

/// <summary>One instruction of a Dockerfile: its keyword (upper case), its flags (<c>--from=build</c>) and its arguments.</summary>
public sealed record DockerInstruction(string Keyword, IReadOnlyDictionary<string, string> Flags, string Arguments, int Line)
{
    /// <summary>The arguments as a list: the JSON (exec) form when there is one, else split on white space.</summary>
    public IReadOnlyList<string> Words =>
        Arguments.TrimStart().StartsWith('[') ? JsonSerializer.Deserialize<string[]>(Arguments)!
        : Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"line {Line}: {Keyword} {Arguments}";
}

public sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => All(keyword).LastOrDefault();

    /// <summary>ENV values set in this stage (both the <c>KEY=value</c> form, several per line, and <c>KEY value</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        All("ENV").SelectMany(ParseEnv).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>ARG names declared in this stage.</summary>
    public IReadOnlySet<string> Args => All("ARG").Select(a => a.Arguments.Split('=')[0].Trim()).ToHashSet();

    /// <summary>The default value of this stage's ARG <paramref name="name"/>, or null when it has none.</summary>
    public string? ArgDefault(string name) =>
        All("ARG").Select(a => a.Arguments.Split('=', 2)).Where(p => p[0].Trim() == name).Select(p => p.Length > 1 ? p[1].Trim().Trim('"') : null).LastOrDefault();

    private static IEnumerable<KeyValuePair<string, string>> ParseEnv(DockerInstruction env)
    {
        var pairs = DockerfileSyntax.EnvPair().Matches(env.Arguments);
        if (pairs.Count == 0)
        {
            var parts = env.Arguments.Split(' ', 2, StringSplitOptions.TrimEntries);
            yield return new(parts[0], parts.Length > 1 ? parts[1] : "");
            yield break;
        }

        foreach (Match pair in pairs)
        {
            yield return new(pair.Groups["key"].Value, pair.Groups["value"].Value.Trim('"'));
        }
    }
}

/// <summary>
/// Just enough of the Dockerfile grammar for static checks: comments, line continuations, stages, instruction flags and
/// the exec (JSON) form. No variable expansion beyond what the tests resolve themselves.
/// </summary>
public sealed class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerStage> stages) => (Path, Stages) = (path, stages);

    public string Path { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    public DockerStage Stage(string name) =>
        Stages.SingleOrDefault(s => s.Name == name) ?? throw new InvalidDataException($"{Path}: no stage '{name}'");

    public static Dockerfile Load(string relativePath)
    {
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        string? image = null, name = null;
        var lines = File.ReadAllLines(Repo.PathOf(relativePath));
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                text = text[..^1].TrimEnd() + (next.StartsWith('#') ? "" : " " + next);
            }

            var instruction = Parse(text, start);
            if (instruction.Keyword == "FROM")
            {
                if (current is not null)
                {
                    stages.Add(new DockerStage(image!, name, current));
                }

                var words = instruction.Words;
                (image, name, current) = (words[0], words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, []);
                continue;
            }

            (current ?? throw new InvalidDataException($"{relativePath}:{start}: instruction before FROM")).Add(instruction);
        }

        if (current is not null)
        {
            stages.Add(new DockerStage(image!, name, current));
        }

        return new Dockerfile(relativePath, stages);
    }

    private static DockerInstruction Parse(string text, int line)
    {
        var keyword = text.Split(' ', 2)[0].ToUpperInvariant();
        var rest = text.Length > keyword.Length ? text[keyword.Length..].Trim() : "";
        var flags = new Dictionary<string, string>();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var flag = rest.Split(' ', 2);
            var parts = flag[0][2..].Split('=', 2);
            flags[parts[0]] = parts.Length > 1 ? parts[1] : "";
            rest = flag.Length > 1 ? flag[1].Trim() : "";
        }

        return new DockerInstruction(keyword, flags, rest, line);
    }
}

public static partial class DockerfileSyntax
{
    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>"[^"]*"|\S*)""")]
    public static partial Regex EnvPair();
}

/// <summary>
/// The exclusion rules of a <c>.dockerignore</c>: patterns relative to the context root, <c>*</c>, <c>?</c> and <c>**</c>,
/// <c>!</c> re-includes, the last matching line wins, and a path is excluded when it or a parent folder matches.
/// </summary>
public sealed class DockerIgnore(IReadOnlyList<(Regex Pattern, bool Exclude, string Text)> rules)
{
    public static DockerIgnore Load(string relativePath)
    {
        var path = Repo.PathOf(relativePath);
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        return new DockerIgnore(lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => (l.StartsWith('!') ? l[1..] : l, !l.StartsWith('!')))
            .Select(r => (ToRegex(r.Item1), r.Item2, r.Item1)).ToList());
    }

    /// <summary>The rule excluding the repository-relative <paramref name="file"/>, or null when the build sees it.</summary>
    public string? ExcludedBy(string file)
    {
        string? excludedBy = null;
        foreach (var (pattern, exclude, text) in rules)
        {
            var segments = file.Split('/');
            var matches = Enumerable.Range(1, segments.Length).Any(n => pattern.IsMatch(string.Join('/', segments.Take(n))));
            if (matches)
            {
                excludedBy = exclude ? text : null;
            }
        }

        return excludedBy;
    }

    private static Regex ToRegex(string pattern)
    {
        var cleaned = pattern.Trim('/');
        var regex = new System.Text.StringBuilder("^");
        for (var i = 0; i < cleaned.Length; i++)
        {
            var c = cleaned[i];
            if (c == '*' && i + 1 < cleaned.Length && cleaned[i + 1] == '*')
            {
                var slash = i + 2 < cleaned.Length && cleaned[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
