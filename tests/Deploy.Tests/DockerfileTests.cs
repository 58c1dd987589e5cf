using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Platform.Deploy.Tests;

/// <summary>
/// What can be checked about the images without a Docker engine: one Dockerfile builds every host (a build argument names the
/// project), the build context has every file the build stage copies and each host's publish needs, the TorchSharp fix runs
/// in the build stage, the entry point runs the published assembly, and the runtime stage is small, non-root, read-only-root
/// friendly, labelled and health-checked on the port each image is built for.
/// </summary>
public sealed partial class DockerfileTests
{
    /// <summary>The one Dockerfile, at the repository root (the build context).</summary>
    public const string TheDockerfile = "Dockerfile";
    private const string PlatformProject = "services/platform/Platform.csproj";
    private static readonly string[] OciLabels = ["source", "revision", "version"];

    public static TheoryData<string> Images => [.. ImageBuild.All.Select(i => i.Image)];

    public static IEnumerable<string> AllDockerfiles() =>
        Repo.FilesUnder(".").Where(f => Path.GetFileName(f) == "Dockerfile" && !f.StartsWith("tests/", StringComparison.Ordinal)).Order();

    [Fact]
    public void One_Dockerfile_builds_every_Dapr_app_and_the_all_in_one_host()
    {
        Assert.Equal([TheDockerfile], AllDockerfiles());
        Assert.Equal(Repo.DaprApps.Select(a => a.Project).Append(PlatformProject).Order(), ImageBuild.All.Select(i => i.Project).Order());
        foreach (var app in Repo.DaprApps)
        {
            // dapr.yaml's appPort, so the sidecar finds the app where the image listens.
            Assert.Equal(app.Port, ImageBuild.All.Single(i => i.Project == app.Project).Port);
        }

        // The all-in-one image is the default build, on the port `platform serve` listens on locally.
        var file = Dockerfile.Load(TheDockerfile);
        Assert.Equal(PlatformProject, BuildStage(file).ArgDefault("PROJECT"));
        var platform = ImageBuild.All.Single(i => i.Project == PlatformProject);
        Assert.Equal(platform.Port.ToString(), file.Final.ArgDefault("PORT"));
        Assert.Contains($"http://127.0.0.1:{platform.Port}", File.ReadAllText(Repo.PathOf("services/platform/ServeCommand.cs")));
    }

    [Fact]
    public void The_build_is_multi_stage_sdk_then_aspnet_runtime()
    {
        var file = Dockerfile.Load(TheDockerfile);
        Assert.True(file.Stages.Count >= 2, "a build stage and a runtime stage expected");
        var build = BuildStage(file);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", file.Final.Image);
        // The TorchSharp check compares against the build stage's libstdc++: it must be the runtime's distribution.
        Assert.Equal(DistributionOf(build.Image), DistributionOf(file.Final.Image));
        Assert.Empty(file.Final.All("COPY").Where(c => !c.Flags.ContainsKey("from")).Select(c => c.ToString()));
    }

    [Fact]
    public void Every_COPY_source_exists_in_the_build_context_and_is_not_ignored()
    {
        var ignore = DockerIgnore.Load(".dockerignore");
        foreach (var copy in Dockerfile.Load(TheDockerfile).Stages.SelectMany(s => s.All("COPY")).Where(c => !c.Flags.ContainsKey("from")))
        {
            foreach (var source in copy.Words.SkipLast(1))
            {
                var path = Repo.PathOf(source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{copy}: '{source}' does not exist");
                Assert.Null(ignore.ExcludedBy(source.TrimEnd('/')));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_build_stage_gets_every_file_the_publish_needs_including_the_TorchSharp_fix(string image)
    {
        var build = ImageBuild.Of(image);
        var file = Dockerfile.Load(TheDockerfile);
        var publish = Publish(file);
        var copied = BuildStage(file).Instructions.TakeWhile(i => i != publish.Instruction).Where(i => i.Keyword == "COPY")
            .SelectMany(c => c.Words.SkipLast(1)).Select(s => s.TrimEnd('/')).ToList();
        var ignore = DockerIgnore.Load(".dockerignore");

        // Central package management and build settings, the SDK pin, and the task Directory.Build.targets compiles.
        var needed = new List<string> { "global.json", "Directory.Build.props", "Directory.Packages.props", "Directory.Build.targets" };
        needed.AddRange(TaskSourcesOf("Directory.Build.targets"));
        // Every file of every project the published one references (sources, embedded migrations, appsettings).
        needed.AddRange(Repo.ProjectClosure(build.Project).SelectMany(p => Repo.FilesUnder(Path.GetDirectoryName(p)!)));

        foreach (var path in needed)
        {
            Assert.True(copied.Any(source => path == source || path.StartsWith(source + "/", StringComparison.Ordinal)),
                $"{image}: the build stage does not copy {path} before `dotnet publish`");
            Assert.True(ignore.ExcludedBy(path) is null, $"{image}: {path} is needed but .dockerignore excludes it ({ignore.ExcludedBy(path)})");
        }

        Assert.Contains(TorchSharpFixTarget, File.ReadAllText(Repo.PathOf("Directory.Build.targets")));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void It_publishes_Release_for_linux_x64_and_the_entry_point_runs_the_published_assembly(string image)
    {
        var build = ImageBuild.Of(image);
        var file = Dockerfile.Load(TheDockerfile);
        var publish = Publish(file);
        Assert.Matches(@"(-c|--configuration) Release\b", publish.Instruction.Arguments);
        Assert.Matches(@"(-r|--runtime) linux-x64\b", publish.Instruction.Arguments);
        Assert.Contains("--self-contained false", publish.Instruction.Arguments);
        // The project is the build argument, restored for the same runtime.
        Assert.Equal("\"$PROJECT\"", publish.Project);
        Assert.Contains(BuildStage(file).All("RUN"), r => r.Arguments.StartsWith("dotnet restore \"$PROJECT\" -r linux-x64", StringComparison.Ordinal));
        Assert.True(File.Exists(Repo.PathOf(build.Project)), $"{image}: {build.Project} does not exist");

        // The entry script is written into the publish output from the project's assembly name, which MSBuild reports.
        var script = EntryScript().Match(publish.Instruction.Arguments);
        Assert.True(script.Success, "the publish step must write entrypoint.sh from -getProperty:AssemblyName");
        Assert.Equal(publish.Output, script.Groups["folder"].Value);
        Assert.False(string.IsNullOrWhiteSpace(Repo.AssemblyNameOf(build.Project)));

        // The runtime stage copies exactly the publish output from the build stage, and starts the script from there.
        var fromBuild = file.Final.All("COPY").Single(c => c.Flags.TryGetValue("from", out var stage) && stage == BuildStage(file).Name);
        Assert.Equal(publish.Output, fromBuild.Words[0].TrimEnd('/'));
        var appFolder = fromBuild.Words[^1] is "." ? WorkdirBefore(file.Final, fromBuild) : fromBuild.Words[^1];
        Assert.Equal("/app", appFolder.TrimEnd('/'));
        Assert.Equal("/app", script.Groups["app"].Value);

        var entrypoint = file.Final.Last("ENTRYPOINT") ?? throw new InvalidDataException("no ENTRYPOINT");
        Assert.True(entrypoint.Arguments.StartsWith('['), "ENTRYPOINT in exec form, so signals reach the process");
        Assert.Equal(["bash", $"{appFolder.TrimEnd('/')}/entrypoint.sh"], entrypoint.Words);
        // The script execs dotnet (bash does not stay as PID 1) and passes the arguments on.
        Assert.Matches(@"'exec dotnet /app/%s\.dll ""\$@""\\n'", publish.Instruction.Arguments);
    }

    [Fact]
    public void It_listens_exposes_and_health_checks_the_port_it_is_built_for()
    {
        var file = Dockerfile.Load(TheDockerfile);
        var env = file.Final.Environment;
        Assert.Contains("PORT", file.Final.Args);
        // Every interface on PORT: the apps read ASPNETCORE_HTTP_PORTS, and so does `platform serve` (ServeCommand.DefaultUrls).
        Assert.Equal("${PORT}", env.GetValueOrDefault("ASPNETCORE_HTTP_PORTS"));
        Assert.False(env.ContainsKey("ASPNETCORE_URLS"), "ASPNETCORE_URLS would override ASPNETCORE_HTTP_PORTS");
        Assert.Contains("ASPNETCORE_HTTP_PORTS", File.ReadAllText(Repo.PathOf("services/platform/ServeCommand.cs")));
        // The apps' appsettings.json is found though they start in the data folder.
        Assert.Equal("/app", env.GetValueOrDefault("ASPNETCORE_CONTENTROOT"));

        Assert.Equal(["${PORT}"], file.Final.All("EXPOSE").SelectMany(e => e.Words));
        var healthcheck = file.Final.Last("HEALTHCHECK") ?? throw new InvalidDataException("no HEALTHCHECK");
        Assert.Contains("/health", healthcheck.Arguments);
        Assert.Contains("/127.0.0.1/${ASPNETCORE_HTTP_PORTS}", healthcheck.Arguments);
        // Expanded by the shell at run time (exec form is not expanded by Docker): it must run bash -c.
        Assert.StartsWith("CMD [\"bash\", \"-c\", ", healthcheck.Arguments, StringComparison.Ordinal);
        // The command's tools must be in the runtime image: bash is, curl and wget are not.
        Assert.DoesNotContain("curl", healthcheck.Arguments);
        Assert.DoesNotContain("wget", healthcheck.Arguments);
    }

    [Fact]
    public void The_runtime_runs_as_non_root_with_named_writable_paths_and_OCI_labels()
    {
        var final = Dockerfile.Load(TheDockerfile).Final;
        var user = final.Last("USER")?.Arguments ?? throw new InvalidDataException("no USER (would run as root)");
        Assert.DoesNotContain(user.Split(':')[0], new[] { "root", "0" });
        Assert.True(final.Instructions.ToList().IndexOf(final.Last("USER")!) > final.Instructions.ToList().IndexOf(final.Last("RUN")!),
            "USER must come after the last RUN");

        var volumes = WritablePaths();
        Assert.Contains("/tmp", volumes);
        foreach (var (key, value) in final.Environment.Where(e => e.Value.StartsWith('/') && e.Key != "ASPNETCORE_CONTENTROOT"))
        {
            Assert.True(volumes.Any(v => value == v || value.StartsWith(v + "/", StringComparison.Ordinal)),
                $"ENV {key}={value} is written to but is not under a VOLUME ({string.Join(", ", volumes)})");
        }

        // The hosts start in a writable folder (the all-in-one host keeps its .platform/ under the working directory).
        Assert.Contains(final.Last("WORKDIR")!.Arguments, volumes);

        var labels = string.Join(' ', final.All("LABEL").Select(l => l.Arguments));
        foreach (var label in OciLabels.Append("title"))
        {
            var match = Regex.Match(labels, $@"org\.opencontainers\.image\.{label}=""\$\{{(?<arg>[A-Z_]+)\}}""");
            Assert.True(match.Success, $"label org.opencontainers.image.{label} from a build argument expected");
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

    /// <summary>The writable paths of the images: their VOLUMEs. The Kubernetes tests check each is mounted.</summary>
    public static IReadOnlyList<string> WritablePaths() =>
        Dockerfile.Load(TheDockerfile).Final.All("VOLUME").SelectMany(v => v.Words).Select(v => v.TrimEnd('/')).ToList();

    private const string TorchSharpFixTarget = "AfterTargets=\"Publish\"";

    private static DockerStage BuildStage(Dockerfile file) =>
        file.Stages.Single(s => s.All("RUN").Any(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal)));

    private static (DockerInstruction Instruction, string Project, string Output) Publish(Dockerfile file)
    {
        var run = BuildStage(file).All("RUN").Single(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var match = PublishCommand().Match(run.Arguments);
        Assert.True(match.Success, $"{file.Path}: `dotnet publish \"$PROJECT\" ... -o <folder>` expected in {run}");
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


    [GeneratedRegex(@"dotnet publish (?<project>\S+) .*?(-o|--output) (?<output>\S+)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"printf 'exec dotnet (?<app>/\S+)/%s\.dll.*-getProperty:AssemblyName\)"" > (?<folder>\S+)/entrypoint\.sh")]
    private static partial Regex EntryScript();
}
