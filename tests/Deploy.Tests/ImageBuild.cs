namespace Platform.Deploy.Tests;

/// <summary>
/// One image the Dockerfile builds: its name and the build arguments that make it (project to publish, port to listen on),
/// as the release workflow's matrix lists them, the one place the four are spelt out.
/// </summary>
public sealed record ImageBuild(string Image, string Project, int Port)
{
    public static IReadOnlyList<ImageBuild> All { get; } = Yaml.LoadFile(Repo.PathOf(".github/workflows/release.yml"))
        .At("jobs.images.strategy.matrix").Maps("include")
        .Select(m => new ImageBuild(m.Scalar("image"), m.Scalar("project"), int.Parse(m.Scalar("port"))))
        .ToList();

    public static ImageBuild Of(string image) => All.Single(i => i.Image == image);

    public override string ToString() => Image;
}
