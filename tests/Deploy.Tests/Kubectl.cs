using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Platform.Deploy.Tests;

/// <summary>
/// <c>kubectl kustomize</c>, the renderer the docs and the release workflow use. Where kubectl is missing, or its built-in
/// kustomize predates v4 (Debian 12's kubernetes-client ships v2), tests using it are skipped, saying why.
/// </summary>
public static class Kubectl
{
    private static readonly Lazy<string?> Unavailable = new(FindWhyUnavailable);
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<Dictionary<object, object>>>> Rendered = new();

    /// <summary>Null when <c>kubectl kustomize</c> can run here, else the reason it cannot.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    /// <summary>The objects an overlay renders to (rendered once per test run).</summary>
    public static IReadOnlyList<Dictionary<object, object>> Kustomize(string relativeFolder) =>
        Rendered.GetOrAdd(relativeFolder, folder => new(() =>
        {
            var (exitCode, output, error) = Run("kustomize", Repo.PathOf(folder));
            return exitCode == 0 ? Yaml.Parse(output) : throw new InvalidOperationException($"kubectl kustomize {folder} failed: {error}");
        })).Value;

    private static string? FindWhyUnavailable()
    {
        try
        {
            var (exitCode, output, error) = Run("version", "--client", "-o", "json");
            if (exitCode != 0)
            {
                return $"`kubectl version --client` failed: {error.Trim()}";
            }

            var version = JsonDocument.Parse(output).RootElement.TryGetProperty("kustomizeVersion", out var kustomize) ? kustomize.GetString() : null;
            return version is not null && Version.TryParse(version.TrimStart('v'), out var parsed) && parsed.Major >= 4
                ? null
                : $"kubectl's built-in kustomize is {version ?? "unknown"}; the overlays need v4 or later (install a newer kubectl)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "kubectl is not installed (scripts/setup.sh installs it where apt has it)";
        }
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish in 60 s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A theory that needs <c>kubectl kustomize</c>: reported skipped, with the reason, where it cannot run.</summary>
public sealed class KustomizeTheoryAttribute : TheoryAttribute
{
    public KustomizeTheoryAttribute()
    {
        if (Kubectl.WhyUnavailable is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A fact that needs <c>kubectl kustomize</c>: reported skipped, with the reason, where it cannot run.</summary>
public sealed class KustomizeFactAttribute : FactAttribute
{
    public KustomizeFactAttribute()
    {
        if (Kubectl.WhyUnavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
