using System.Reflection;
using System.Xml.Linq;

namespace Platform.Deploy.Tests;

/// <summary>The source tree under test: paths, dapr.yaml's apps and the projects' references.</summary>
public static class Repo
{
    public static readonly string Root = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    public static string PathOf(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    public static string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    /// <summary>The apps of dapr.yaml, with the environment each gets (common env overlaid by the app's).</summary>
    public static Dictionary<object, object> RunFile { get; } = Yaml.LoadFile(PathOf("dapr.yaml"));

    public static IReadOnlyList<DaprApp> DaprApps { get; } = LoadDaprApps();

    public static DaprApp App(string appId) => DaprApps.Single(a => a.Id == appId);

    /// <summary>The app whose dapr.yaml appDirPath is <paramref name="folder"/>, or null.</summary>
    public static DaprApp? AppIn(string folder) =>
        DaprApps.SingleOrDefault(a => Path.TrimEndingDirectorySeparator(PathOf(a.Folder)) == Path.TrimEndingDirectorySeparator(PathOf(folder)));

    /// <summary>
    /// Every source file under a folder, relative and with '/': what git tracks or would track (untracked files it does not
    /// ignore), so that local state such as a <c>.platform/</c> data folder or build output never counts as source.
    /// </summary>
    public static IEnumerable<string> FilesUnder(string relativeFolder)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true };
        foreach (var argument in new[] { "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", relativeFolder })
        {
            start.ArgumentList.Add(argument);
        }

        using var git = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("git could not be started");
        var files = git.StandardOutput.ReadToEnd().Split('\0', StringSplitOptions.RemoveEmptyEntries);
        git.WaitForExit();
        if (git.ExitCode != 0)
        {
            throw new InvalidOperationException($"git ls-files failed with exit code {git.ExitCode}");
        }

        // A file deleted in the working tree but still in the index is not there to copy.
        return files.Where(f => File.Exists(PathOf(f)));
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    public static IReadOnlyList<string> ProjectClosure(string relativeProject)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([PathOf(relativeProject)]);
        while (pending.TryPop(out var project))
        {
            if (seen.Contains(Relative(project)))
            {
                continue;
            }

            seen.Add(Relative(project));
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value)));
            }
        }

        return seen;
    }

    /// <summary>The assembly a project builds: its AssemblyName, else the project file's name.</summary>
    public static string AssemblyNameOf(string relativeProject) =>
        XDocument.Load(PathOf(relativeProject)).Descendants("AssemblyName").LastOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(relativeProject);

    private static List<DaprApp> LoadDaprApps()
    {
        var common = RunFile.Map("common");
        var commonEnv = common.MapOrEmpty("env").ToDictionary(e => (string)e.Key, e => e.Value as string ?? "");
        return RunFile.List("apps").Cast<Dictionary<object, object>>().Select(app =>
        {
            var env = new Dictionary<string, string>(commonEnv);
            foreach (var (key, value) in app.MapOrEmpty("env"))
            {
                env[(string)key] = value as string ?? "";
            }

            return new DaprApp(app.Scalar("appID"), int.Parse(app.Scalar("appPort")), Relative(PathOf(app.Scalar("appDirPath"))).TrimEnd('/'),
                common.Scalar("appHealthCheckPath"), env);
        }).ToList();
    }
}

public sealed record DaprApp(string Id, int Port, string Folder, string HealthCheckPath, IReadOnlyDictionary<string, string> Environment)
{
    public string Project => Repo.Relative(Directory.GetFiles(Repo.PathOf(Folder), "*.csproj").Single());

    public override string ToString() => Id;
}
