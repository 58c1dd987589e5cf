using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Platform.Deploy.Tests;

/// <summary>
/// What can be checked about the images without a Docker engine: the build context has every file the build stage copies
/// and needs, the TorchSharp fix runs in the build stage, the published assembly is the one ENTRYPOINT runs, and the runtime
/// stage is small, non-root, read-only-root friendly, labelled and health-checked on the port the app's configuration names.
/// </summary>
public sealed partial class DockerfileTests
{
    public const string PlatformDockerfile = "services/platform/Dockerfile";
    private const string PlatformProject = "services/platform/Platform.csproj";
    private static readonly string[] OciLabels = ["source", "revision", "version"];

    public static TheoryData<string> Dockerfiles => [.. AllDockerfiles()];

    public static IEnumerable<string> AllDockerfiles() =>
        Repo.FilesUnder("services").Where(f => Path.GetFileName(f) == "Dockerfile").Order();

    [Fact]
    public void Every_Dapr_app_and_the_all_in_one_host_has_a_Dockerfile()
    {
        var expected = Repo.DaprApps.Select(a => $"{a.Folder}/Dockerfile").Append(PlatformDockerfile).Order();
        Assert.Equal(expected, AllDockerfiles());
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_build_is_multi_stage_sdk_then_aspnet_runtime(string dockerfile)
    {
        var file = Dockerfile.Load(dockerfile);
        Assert.True(file.Stages.Count >= 2, $"{dockerfile}: a build stage and a runtime stage expected");
        var build = BuildStage(file);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", file.Final.Image);
        // The TorchSharp check compares against the build stage's libstdc++: it must be the runtime's distribution.
        Assert.Equal(DistributionOf(build.Image), DistributionOf(file.Final.Image));
        Assert.Empty(file.Final.All("COPY").Where(c => !c.Flags.ContainsKey("from")).Select(c => c.ToString()));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_COPY_source_exists_in_the_build_context_and_is_not_ignored(string dockerfile)
    {
        var ignore = DockerIgnore.Load(".dockerignore");
        foreach (var copy in Dockerfile.Load(dockerfile).Stages.SelectMany(s => s.All("COPY")).Where(c => !c.Flags.ContainsKey("from")))
        {
            foreach (var source in copy.Words.SkipLast(1))
            {
                var path = Repo.PathOf(source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile} {copy}: '{source}' does not exist");
                Assert.Null(ignore.ExcludedBy(source.TrimEnd('/')));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_build_stage_gets_every_file_the_publish_needs_including_the_TorchSharp_fix(string dockerfile)
    {
        var file = Dockerfile.Load(dockerfile);
        var build = BuildStage(file);
        var publish = Publish(file);
        var copied = build.Instructions.TakeWhile(i => i != publish.Instruction).Where(i => i.Keyword == "COPY")
            .SelectMany(c => c.Words.SkipLast(1)).Select(s => s.TrimEnd('/')).ToList();
        var ignore = DockerIgnore.Load(".dockerignore");

        // Central package management and build settings, the SDK pin, and the task Directory.Build.targets compiles.
        var needed = new List<string> { "global.json", "Directory.Build.props", "Directory.Packages.props", "Directory.Build.targets" };
        needed.AddRange(TaskSourcesOf("Directory.Build.targets"));
        // Every file of every project the published one references (sources, embedded migrations, appsettings).
        needed.AddRange(Repo.ProjectClosure(publish.Project).SelectMany(p => Repo.FilesUnder(Path.GetDirectoryName(p)!)));

        foreach (var path in needed)
        {
            Assert.True(copied.Any(source => path == source || path.StartsWith(source + "/", StringComparison.Ordinal)),
                $"{dockerfile}: the build stage does not copy {path} before `dotnet publish`");
            Assert.True(ignore.ExcludedBy(path) is null, $"{dockerfile}: {path} is needed but .dockerignore excludes it ({ignore.ExcludedBy(path)})");
        }

        Assert.Contains(TorchSharpFixTarget, File.ReadAllText(Repo.PathOf("Directory.Build.targets")));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void It_publishes_Release_for_linux_x64_and_ENTRYPOINT_runs_the_published_assembly(string dockerfile)
    {
        var file = Dockerfile.Load(dockerfile);
        var publish = Publish(file);
        Assert.Matches(@"(-c|--configuration) Release\b", publish.Instruction.Arguments);
        Assert.Matches(@"(-r|--runtime) linux-x64\b", publish.Instruction.Arguments);
        Assert.Contains("--self-contained false", publish.Instruction.Arguments);
        var expectedProject = Repo.AppIn(Path.GetDirectoryName(dockerfile)!)?.Project ?? PlatformProject;
        Assert.Equal(expectedProject, publish.Project);

        // The runtime stage copies exactly the publish output from the build stage.
        var fromBuild = file.Final.All("COPY").Single(c => c.Flags.TryGetValue("from", out var stage) && stage == BuildStage(file).Name);
        Assert.Equal(publish.Output, fromBuild.Words[0].TrimEnd('/'));
        var appFolder = fromBuild.Words[^1] is "." ? WorkdirBefore(file.Final, fromBuild) : fromBuild.Words[^1];

        var entrypoint = file.Final.Last("ENTRYPOINT")?.Words ?? throw new InvalidDataException($"{dockerfile}: no ENTRYPOINT");
        Assert.True(file.Final.Last("ENTRYPOINT")!.Arguments.StartsWith('['), $"{dockerfile}: ENTRYPOINT in exec form, so signals reach dotnet");
        Assert.Equal("dotnet", entrypoint[0]);
        var dll = entrypoint[1];
        Assert.Equal(Repo.AssemblyNameOf(publish.Project) + ".dll", Path.GetFileName(dll));
        var dllFolder = Path.IsPathRooted(dll) ? Path.GetDirectoryName(dll)!.Replace('\\', '/') : WorkdirBefore(file.Final, file.Final.Last("ENTRYPOINT")!);
        Assert.Equal(appFolder.TrimEnd('/'), dllFolder.TrimEnd('/'));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void It_listens_exposes_and_health_checks_the_port_of_the_apps_configuration(string dockerfile)
    {
        var file = Dockerfile.Load(dockerfile);
        var app = Repo.AppIn(Path.GetDirectoryName(dockerfile)!);
        var env = file.Final.Environment;
        int port;
        if (app is not null)
        {
            port = app.Port;
            // dapr.yaml's appPort, through the variable ASP.NET Core reads; the Dapr settings dapr.yaml gives the app too.
            var listening = env.TryGetValue("ASPNETCORE_HTTP_PORTS", out var ports) ? int.Parse(ports)
                : PortOf(env.GetValueOrDefault("ASPNETCORE_URLS") ?? throw new InvalidDataException($"{dockerfile}: neither ASPNETCORE_HTTP_PORTS nor ASPNETCORE_URLS"));
            Assert.Equal(app.Port, listening);
            Assert.Equal(app.Id, env.GetValueOrDefault("Dapr__EventSource"));
            Assert.Equal(app.Environment["Platform__Runtime"], env.GetValueOrDefault("Platform__Runtime"), ignoreCase: true);
        }
        else
        {
            // The all-in-one host: `serve --urls`, on every interface (serve's own default is loopback only).
            var command = string.Join(' ', file.Final.Last("CMD")?.Words ?? []);
            var urls = UrlsOption().Match(command);
            Assert.True(urls.Success, $"{dockerfile}: CMD must pass serve --urls");
            Assert.DoesNotContain("127.0.0.1", urls.Groups[1].Value);
            port = PortOf(urls.Groups[1].Value);
            Assert.Contains($"http://127.0.0.1:{port}", DefaultUrlsSource());
        }

        Assert.Equal([port.ToString()], file.Final.All("EXPOSE").SelectMany(e => e.Words));
        var healthcheck = file.Final.Last("HEALTHCHECK") ?? throw new InvalidDataException($"{dockerfile}: no HEALTHCHECK");
        Assert.Contains("/health", healthcheck.Arguments);
        Assert.Contains($"/{port}", healthcheck.Arguments);
        // The command's tools must be in the runtime image: bash is, curl and wget are not.
        Assert.DoesNotContain("curl", healthcheck.Arguments);
        Assert.DoesNotContain("wget", healthcheck.Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_runtime_runs_as_non_root_with_named_writable_paths_and_OCI_labels(string dockerfile)
    {
        var final = Dockerfile.Load(dockerfile).Final;
        var user = final.Last("USER")?.Arguments ?? throw new InvalidDataException($"{dockerfile}: no USER (would run as root)");
        Assert.DoesNotContain(user.Split(':')[0], new[] { "root", "0" });
        Assert.True(final.Instructions.ToList().IndexOf(final.Last("USER")!) > final.Instructions.ToList().IndexOf(final.Last("RUN")!),
            $"{dockerfile}: USER must come after the last RUN");

        var volumes = WritablePaths(dockerfile);
        Assert.Contains("/tmp", volumes);
        foreach (var (key, value) in final.Environment.Where(e => e.Value.StartsWith('/')))
        {
            Assert.True(volumes.Any(v => value == v || value.StartsWith(v + "/", StringComparison.Ordinal)),
                $"{dockerfile}: ENV {key}={value} is written to but is not under a VOLUME ({string.Join(", ", volumes)})");
        }

        var labels = string.Join(' ', final.All("LABEL").Select(l => l.Arguments));
        foreach (var label in OciLabels)
        {
            var match = Regex.Match(labels, $@"org\.opencontainers\.image\.{label}=""\$\{{(?<arg>[A-Z_]+)\}}""");
            Assert.True(match.Success, $"{dockerfile}: label org.opencontainers.image.{label} from a build argument expected");
            Assert.Contains(match.Groups["arg"].Value, final.Args);
        }
    }

    [Fact]
    public void The_build_context_leaves_out_local_output_and_data()
    {
        var ignore = DockerIgnore.Load(".dockerignore");
        foreach (var path in new[] { ".git/config", "services/valuation/Valuation.Api/bin/Release/x.dll", "services/platform/obj/project.assets.json", ".platform/api-key", "tests/Deploy.Tests/DockerfileTests.cs" })
        {
            Assert.NotNull(ignore.ExcludedBy(path));
        }
    }

    /// <summary>The writable paths of an image: its VOLUMEs. The Kubernetes tests check each is mounted.</summary>
    public static IReadOnlyList<string> WritablePaths(string dockerfile) =>
        Dockerfile.Load(dockerfile).Final.All("VOLUME").SelectMany(v => v.Words).Select(v => v.TrimEnd('/')).ToList();

    private const string TorchSharpFixTarget = "AfterTargets=\"Publish\"";

    private static DockerStage BuildStage(Dockerfile file) =>
        file.Stages.Single(s => s.All("RUN").Any(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal)));

    private static (DockerInstruction Instruction, string Project, string Output) Publish(Dockerfile file)
    {
        var run = BuildStage(file).All("RUN").Single(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var match = PublishCommand().Match(run.Arguments);
        Assert.True(match.Success, $"{file.Path}: `dotnet publish <project.csproj> ... -o <folder>` expected in {run}");
        var workdir = WorkdirBefore(BuildStage(file), run);
        Assert.Equal("/src", workdir);
        return (run, match.Groups["project"].Value, match.Groups["output"].Value.TrimEnd('/'));
    }

    private static string WorkdirBefore(DockerStage stage, DockerInstruction instruction) =>
        stage.Instructions.TakeWhile(i => i != instruction).LastOrDefault(i => i.Keyword == "WORKDIR")?.Arguments ?? "/";

    private static IEnumerable<string> TaskSourcesOf(string targets) =>
        XDocument.Load(Repo.PathOf(targets)).Descendants("Code").Select(c => c.Attribute("Source")!.Value)
            .Select(s => s.Replace("$(MSBuildThisFileDirectory)", "", StringComparison.Ordinal));

    private static string DistributionOf(string image) => image.Split(':')[1].Split('-', 2).ElementAtOrDefault(1) ?? "default";

    private static int PortOf(string url) => int.Parse(url.Split(';')[0].TrimEnd('/').Split(':')[^1]);

    private static string DefaultUrlsSource() => File.ReadAllText(Repo.PathOf("services/platform/ServeCommand.cs"));

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)\b.*?(-o|--output) (?<output>\S+)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"--urls (\S+)")]
    private static partial Regex UrlsOption();
}
