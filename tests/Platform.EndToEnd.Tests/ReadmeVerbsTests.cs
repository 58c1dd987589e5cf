using System.Diagnostics;
using Platform.Host;
using Platform.Testing;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The README's command-line verbs in the order a newcomer types them, each run as its own <c>platform</c> process started in
/// the repository root with repository-relative paths (small sizes; the database is this class's, given as PLATFORM_POSTGRES
/// the way the README's configuration table says). Serving and smoke checks are the main job's test.
/// </summary>
public sealed class ReadmeVerbsTests(PostgresDatabaseFixture database, ITestOutputHelper output) : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private static readonly TimeSpan VerbBudget = TimeSpan.FromMinutes(3);
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("platform-readme-");

    public void Dispose() => _workspace.Delete(recursive: true);

    [Fact]
    public async Task Generate_import_train_and_bench_succeed_in_sequence_from_the_repository_root()
    {
        var work = _workspace.FullName;
        // The generator dates its market in the past: train twin's lookback counts back from the newest interaction.
        var generate = await PlatformAsync("generate", "--properties", "1500", "--users", "80", "--interactions-per-user", "100", "--seed", "11",
            "--csv", Path.Combine(work, "market"));
        Assert.Contains("generated 1,500 properties", generate);
        Assert.Contains("postgres:", generate);
        Assert.True(File.Exists(Path.Combine(work, "market", "properties.csv")));

        // Relative paths are the caller's (the repository root here), not the platform project's folder.
        const string Sales = "../shared/datasets/windsor_houseprices.csv", Schema = "datasets/windsor_houseprices.schema.json";
        var import = await PlatformAsync("import", "--schema", Schema, "--file", Sales, "--manifest", Path.Combine(work, "windsor.manifest.json"));
        Assert.Contains("windsor_houseprices.csv: 546 rows read", import);

        var price = await PlatformAsync("train", "price", "--data", Sales, "--schema", Schema, "--report", Path.Combine(work, "price.json"),
            "--no-tune", "--no-ensemble");
        Assert.Matches(@"MdAPE \d+\.\d+ %", price);
        Assert.True(File.Exists(Path.Combine(work, "price.json")));

        var cv = await PlatformAsync("train", "cv", "--data", Sales, "--schema", Schema, "--folds", "3", "--no-tune", "--no-ensemble");
        Assert.Contains("\"folds\":3", cv);

        var twin = await PlatformAsync("train", "twin", "--threads", "1",
            "--out", Path.Combine(work, "twin"), "--report", Path.Combine(work, "twin.json"));
        Assert.Matches(@"interactions: \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(the 365 days up to the newest interaction", twin);
        Assert.Matches(@"training twin for tenant 'demo': 1,500 properties, 80 users, [1-9][\d,]* interactions", twin);
        Assert.True(File.Exists(Path.Combine(work, "twin", "twin.model")));

        var bench = await PlatformAsync("bench", "price", "--rows", "1500", "--seed", "3");
        Assert.Contains("train 1,500 rows", bench);
    }

    /// <summary>Runs <c>platform ARGS</c> in the repository root; fails with its output unless it exits 0; returns stdout.</summary>
    private async Task<string> PlatformAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryFiles.Root(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "platform.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PLATFORM_POSTGRES"] = database.ConnectionString;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(VerbBudget);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout;
        output.WriteLine($"$ platform {string.Join(' ', args)}  (exit {process.ExitCode})\n{text}{await stderr}");
        Assert.True(process.ExitCode == 0, $"platform {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        Assert.DoesNotContain(LocalDataFolder.Name + "/postgres", text);
        return text;
    }
}
