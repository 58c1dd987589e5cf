using System.Text.RegularExpressions;

namespace Platform.Deploy.Tests;

/// <summary>
/// The GitHub workflows parse as YAML and do what docs/deploy.md says: CI runs <c>.ci/run</c> on pushes and pull requests;
/// a vX.Y.Z tag tests, builds and pushes every image with version and revision tags, sets those tags in the production
/// overlay and waits for the rollout.
/// </summary>
public sealed class WorkflowFileTests
{
    private static Dictionary<object, object> Workflow(string name) => Yaml.LoadFile(Repo.PathOf($".github/workflows/{name}"));

    private static IEnumerable<(string Job, Dictionary<object, object> Step)> Steps(Dictionary<object, object> workflow) =>
        workflow.Map("jobs").SelectMany(job => ((Dictionary<object, object>)job.Value).Maps("steps").Select(step => ((string)job.Key, step)));

    private static string Runs(Dictionary<object, object> workflow, string job) =>
        string.Join('\n', Steps(workflow).Where(s => s.Job == job).Select(s => s.Step.ScalarOrNull("run") ?? ""));

    [Fact]
    public void Every_workflow_file_parses_and_names_its_trigger_and_jobs()
    {
        var files = Directory.GetFiles(Repo.PathOf(".github/workflows")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["ci.yml", "release.yml"], files);
        foreach (var file in files)
        {
            var workflow = Workflow(file!);
            Assert.False(string.IsNullOrEmpty(workflow.Scalar("name")));
            Assert.True(workflow.ContainsKey("on"), $"{file}: no trigger");
            Assert.All(workflow.Map("jobs").Values.Cast<Dictionary<object, object>>(), job => Assert.NotEmpty(job.Maps("steps")));
        }
    }

    [Fact]
    public void CI_runs_the_repository_test_command_on_pushes_and_pull_requests()
    {
        var ci = Workflow("ci.yml");
        Assert.True(ci.Map("on").ContainsKey("push"));
        Assert.True(ci.Map("on").ContainsKey("pull_request"));
        Assert.Contains(Steps(ci), s => Regex.IsMatch(s.Step.ScalarOrNull("run") ?? "", @"(^|\s|bash\s+)(\./)?\.ci/run\b"));
        Assert.True(File.Exists(Repo.PathOf(".ci/run")));
    }

    [Fact]
    public void A_version_tag_triggers_the_release_after_the_same_tests()
    {
        var release = Workflow("release.yml");
        var tags = release.Map("on").Map("push").List("tags").Cast<string>().ToList();
        bool Triggers(string tag) => tags.Any(pattern => GitHubFilter(pattern).IsMatch(tag));
        Assert.True(Triggers("v1.2.3"));
        Assert.True(Triggers("v10.20.300"));
        Assert.False(Triggers("v1.2"));
        Assert.False(Triggers("1.2.3"));
        Assert.False(Triggers("latest"));

        Assert.Matches(@"\.ci/run\b", Runs(release, "test"));
        Assert.Equal("test", release.Map("jobs").Map("images").Scalar("needs"));
        Assert.Equal("images", release.Map("jobs").Map("deploy").Scalar("needs"));
    }

    [Fact]
    public void The_release_builds_and_pushes_every_image_tagged_with_version_and_revision()
    {
        var images = Workflow("release.yml").Map("jobs").Map("images");
        Assert.Equal("write", images.Map("permissions").Scalar("packages"));
        // One entry per image (DockerfileTests checks they are every Dapr app and the all-in-one host), all from the one file.
        Assert.Equal(4, ImageBuild.All.Select(i => i.Image).Distinct().Count());

        var build = images.Maps("steps").Single(s => (s.ScalarOrNull("uses") ?? "").StartsWith("docker/build-push-action@", StringComparison.Ordinal)).Map("with");
        Assert.Equal("true", build.Scalar("push"));
        Assert.Equal(".", build.Scalar("context"));
        Assert.Equal(DockerfileTests.TheDockerfile, build.Scalar("file"));
        var tags = build.Scalar("tags").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(tags, t => t.StartsWith("${{ env.REGISTRY }}/", StringComparison.Ordinal) && t.EndsWith(":${{ steps.meta.outputs.version }}", StringComparison.Ordinal));
        Assert.Contains(tags, t => t.Contains("${{ github.sha }}", StringComparison.Ordinal));
        Assert.Equal("ghcr.io", Workflow("release.yml").Map("env").Scalar("REGISTRY"));

        // Every build argument the images' labels read is passed.
        var buildArgs = build.Scalar("build-args").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
        Assert.Subset(buildArgs.Keys.ToHashSet(), Dockerfile.Load(DockerfileTests.TheDockerfile).Stages.SelectMany(s => s.Args).ToHashSet());
        // ... and the ones that pick the host come from the matrix entry.
        Assert.Equal("${{ matrix.project }}", buildArgs["PROJECT"]);
        Assert.Equal("${{ matrix.port }}", buildArgs["PORT"]);
    }

    [Fact]
    public void The_release_sets_the_new_tags_in_the_production_overlay_applies_it_and_waits_for_readiness()
    {
        var release = Workflow("release.yml");
        var deploy = Runs(release, "deploy");
        var setImage = Steps(release).Single(s => (s.Step.ScalarOrNull("run") ?? "").Contains("kustomize edit set image", StringComparison.Ordinal)).Step;
        Assert.Equal("deploy/k8s/overlays/production", setImage.Scalar("working-directory"));
        Assert.Contains("kubectl apply -k deploy/k8s/overlays/production", deploy);
        Assert.Contains("rollout status", deploy);
        Assert.Contains("rollout undo", deploy);
        foreach (var app in Repo.DaprApps)
        {
            // The base's image name is what `kustomize edit set image` replaces.
            Assert.Contains($"\"platform/{app.Id}=${{REGISTRY}}/${{owner}}/platform-{app.Id}:${{version}}\"", setImage.Scalar("run"));
            Assert.Contains($"image: platform/{app.Id}", File.ReadAllText(Repo.PathOf($"deploy/k8s/base/{app.Id}.yaml")));
            Assert.Contains(app.Id, Regex.Match(deploy, "for app in ([^;]+);").Groups[1].Value.Split(' '));
        }

        // The migration Job runs the all-in-one image's `migrate`: its tag moves with the release, and the finished Job of
        // the last release is deleted first (a Job's template cannot change) and waited for after the apply.
        Assert.Contains("\"platform/platform=${REGISTRY}/${owner}/platform:${version}\"", setImage.Scalar("run"));
        var apply = deploy.IndexOf("kubectl apply -k deploy/k8s/overlays/production", StringComparison.Ordinal);
        Assert.InRange(deploy.IndexOf("delete job db-migrate", StringComparison.Ordinal), 0, apply);
        Assert.True(deploy.IndexOf("--for=condition=complete job/db-migrate", StringComparison.Ordinal) > apply);
    }

    /// <summary>GitHub's filter pattern syntax: <c>*</c>, <c>**</c>, <c>?</c>, <c>+</c> (one or more) and <c>[...]</c>.</summary>
    private static Regex GitHubFilter(string pattern)
    {
        var regex = Regex.Escape(pattern)
            .Replace(@"\[", "[", StringComparison.Ordinal).Replace(@"\]", "]", StringComparison.Ordinal)
            .Replace(@"\+", "+", StringComparison.Ordinal).Replace(@"\?", "?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal);
        return new Regex($"^{regex}$");
    }
}
