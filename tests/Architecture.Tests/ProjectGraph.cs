using System.Xml.Linq;

namespace Platform.Architecture.Tests;

/// <summary>One production project as its csproj declares it (names are the csproj file names, e.g. <c>Valuation.Model</c>).</summary>
public sealed record ProjectFile(
    string Name,
    string Sdk,
    string AssemblyName,
    string RootNamespace,
    IReadOnlySet<string> FrameworkReferences,
    IReadOnlySet<string> PackageReferences,
    IReadOnlySet<string> ProjectReferences)
{
    public bool IsModelLibrary => Name.EndsWith(".Model", StringComparison.Ordinal);

    /// <summary>The web SDKs and the ASP.NET Core shared framework are what a library needs to host HTTP.</summary>
    public bool UsesWebStack =>
        Sdk != "Microsoft.NET.Sdk" || FrameworkReferences.Contains("Microsoft.AspNetCore.App") || PackageReferences.Any(ForbiddenPackages.IsWebStack);

    public static ProjectFile Read(string path)
    {
        var root = XDocument.Load(path).Root ?? throw new InvalidDataException($"{path} is empty.");
        var name = Path.GetFileNameWithoutExtension(path);
        var directory = Path.GetDirectoryName(path)!;
        string? Property(string property) =>
            root.Elements("PropertyGroup").Elements(property).Select(e => e.Value.Trim()).LastOrDefault(v => v.Length > 0);
        HashSet<string> Items(string item) =>
            [.. root.Elements("ItemGroup").Elements(item).Select(e => (string?)e.Attribute("Include")).OfType<string>()];

        return new ProjectFile(
            name,
            (string?)root.Attribute("Sdk") ?? "",
            Property("AssemblyName") ?? name,
            Property("RootNamespace") ?? name,
            Items("FrameworkReference"),
            Items("PackageReference"),
            Items("ProjectReference").Select(include =>
                Path.GetFileNameWithoutExtension(Path.GetFullPath(Path.Combine(directory, include.Replace('\\', '/'))))).ToHashSet());
    }
}

/// <summary>The production projects (every csproj under <c>services/</c>) and their project references.</summary>
public sealed class ProjectGraph(IEnumerable<ProjectFile> projects)
{
    public IReadOnlyDictionary<string, ProjectFile> Projects { get; } = projects.ToDictionary(p => p.Name, StringComparer.Ordinal);

    public static ProjectGraph Load(string repoRoot)
    {
        var services = Path.Combine(repoRoot, "services");
        var files = Directory.EnumerateFiles(services, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(ProjectFile.Read)
            .ToList();
        var duplicate = files.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null
            ? new ProjectGraph(files)
            : throw new InvalidDataException($"Two projects under services/ are named {duplicate.Key}; the layer rules name projects by file name.");
    }

    /// <summary>Every (from, to) project reference between production projects.</summary>
    public IReadOnlySet<(string From, string To)> References =>
        Projects.Values.SelectMany(p => p.ProjectReferences.Select(r => (p.Name, r))).ToHashSet();

    /// <summary>The projects <paramref name="project"/> references directly or through others.</summary>
    public IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(Projects[project].ProjectReferences);
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next) && Projects.TryGetValue(next, out var file))
            {
                foreach (var reference in file.ProjectReferences)
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }
}
