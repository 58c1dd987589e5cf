using System.Text.RegularExpressions;

namespace Platform.Deploy.Tests;

/// <summary>docs/deploy.md walks from a fresh clone to a running kind cluster with commands that match the repository.</summary>
public sealed partial class DeployGuideTests
{
    private static readonly string Guide = File.ReadAllText(Repo.PathOf("docs/deploy.md"));

    [Fact]
    public void The_kind_walkthrough_has_every_step()
    {
        foreach (var step in new[]
        {
            "kind create cluster", "dapr init -k", "docker build -t", "kind load docker-image", "kubectl apply -k deploy/k8s/overlays/kind",
            "job/db-migrate", "platform-db-owner",
            "port-forward", "/workflows/PlatformRetraining/start", "kubectl apply -k deploy/k8s/overlays/production", "rollout undo",
        })
        {
            Assert.Contains(step, Guide);
        }
    }

    [Fact]
    public void The_guide_builds_every_image_from_the_one_Dockerfile_with_the_release_arguments()
    {
        var builds = DockerBuild().Matches(Guide).Select(m => (Project: m.Groups["project"].Value, Port: int.Parse(m.Groups["port"].Value))).ToList();
        Assert.NotEmpty(builds);
        Assert.Subset(builds.ToHashSet(), ImageBuild.All.Select(i => (i.Project, i.Port)).ToHashSet());
        Assert.All(builds, b => Assert.Contains(b, ImageBuild.All.Select(i => (i.Project, i.Port))));
        Assert.DoesNotContain("docker build -f", Guide);
    }

    [Fact]
    public void The_training_the_guide_starts_is_a_registered_workflow_on_training_workflows_port()
    {
        var start = StartWorkflow().Match(Guide);
        Assert.True(start.Success, "docs/deploy.md does not start a workflow");
        Assert.Equal(Repo.App("training-workflow").Port.ToString(), start.Groups["port"].Value);
        var registrations = File.ReadAllText(Repo.PathOf("services/training-workflow/TrainingWorkflow/Pipelines/TrainingPipelinesServiceCollectionExtensions.cs"));
        Assert.Contains($"RegisterWorkflow<{start.Groups["name"].Value}Workflow>", registrations);

        foreach (Match forward in PortForward().Matches(Guide))
        {
            var app = Repo.App(forward.Groups["app"].Value);
            Assert.Equal($"{app.Port}:{app.Port}", forward.Groups["ports"].Value);
        }
    }

    [KustomizeFact]
    public void The_guide_builds_and_loads_every_image_of_the_kind_overlay_and_uses_its_admin_key()
    {
        var kind = Manifests.Render("kind");
        var tags = DockerBuild().Matches(Guide).Select(m => m.Groups["tag"].Value).ToHashSet();
        var loaded = string.Join(' ', Guide.Split('\n').Where(l => l.Contains("kind load docker-image", StringComparison.Ordinal)));
        var ours = kind.Workloads.SelectMany(w => Manifests.PodSpec(w).Maps("containers")).Select(c => c.Scalar("image"))
            .Where(i => i.StartsWith("platform/", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(4, ours.Count);
        foreach (var image in ours)
        {
            Assert.Contains(image, tags);
            Assert.Contains(image, loaded);
        }

        Assert.Contains($"X-Api-Key: {kind.SecretText("platform-secrets", "admin-api-key")}", Guide);
    }

    [GeneratedRegex(@"docker build -t (?<tag>\S+) --build-arg PROJECT=(?<project>\S+) --build-arg PORT=(?<port>\d+)")]
    private static partial Regex DockerBuild();

    [GeneratedRegex(@"http://localhost:(?<port>\d+)/workflows/(?<name>[A-Za-z]+)/start")]
    private static partial Regex StartWorkflow();

    [GeneratedRegex(@"port-forward svc/(?<app>[a-z-]+) (?<ports>\d+:\d+)")]
    private static partial Regex PortForward();
}
