using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Tenancy;
using Platform.Host;
using Platform.Host.Benchmarks;
using Platform.Testing;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The README's main job end to end: the all-in-one host on a fresh database seeds a demo market, trains both models through
/// the PlatformRetraining workflow and then answers the smoke checks; a second start reuses the data and models.
/// </summary>
public sealed class MainJobTests(PostgresDatabaseFixture database, ITestOutputHelper output) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan TrainingBudget = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task A_fresh_platform_trains_both_models_and_passes_smoke_then_restarts_on_its_own_data()
    {
        using var workspace = new MainJobWorkspace(database.ConnectionString, "platform-e2e-");
        var url = workspace.Url;
        await using (var first = await StartAsync(workspace))
        {
            var failures = await WaitForSmokeAsync(url, workspace.Folder, TrainingBudget);
            Assert.Equal(0, failures);
        }

        // The demo tenant key is readable by its owner only, and a restart keeps the key the operator already has.
        var demoKeyFile = Path.Combine(workspace.Folder, DemoTenantKeyService.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(demoKeyFile));
        }

        var demoKey = DemoTenantKeyService.Read(workspace.Folder);
        Assert.StartsWith("ptk_", demoKey, StringComparison.Ordinal);

        // Second start: data and champions are already there, so the host serves at once without training again.
        await using (var second = await StartAsync(workspace))
        {
            // The key in the file is a live key of the demo tenant with the tenant scopes, not only a string of the key's shape.
            var verified = await second.Services.GetRequiredService<ApiKeyVerifier>().VerifyAsync(demoKey!, CancellationToken.None);
            Assert.NotNull(verified);
            Assert.Equal("demo", verified.TenantId);
            Assert.Equal(PlatformScopes.Tenant.Order(StringComparer.Ordinal), verified.Scopes.Order(StringComparer.Ordinal));

            var failures = await WaitForSmokeAsync(url, workspace.Folder, TimeSpan.FromSeconds(60));
            Assert.Equal(0, failures);
            await The_load_benchmark_drives_the_estimate_api_without_errors(url);
            await The_recommend_load_benchmark_drives_the_twin_api_without_errors(url);
            await The_recommend_history_benchmark_times_a_long_and_a_short_history_side_by_side(url);
        }

        Assert.Equal(demoKey, DemoTenantKeyService.Read(workspace.Folder));
    }

    /// <summary><c>bench estimate-load</c>'s client against the served champion (moved here with the benchmark from the valuation API).</summary>
    private static async Task The_load_benchmark_drives_the_estimate_api_without_errors(string url)
    {
        using var client = HttpLoadDriver.CreateClient(new Uri(url + "/"), concurrency: 2);
        client.DefaultRequestHeaders.Add("X-Tenant-Id", "demo");
        var result = await EstimateLoadBenchmark.RunAsync(client,
            new EstimateLoadSettings(RowsPerRequest: 10), new HttpLoadSettings(TimeSpan.FromMilliseconds(300), Concurrency: 2), CancellationToken.None);

        Assert.Null(result.FirstError);
        Assert.Equal(0, result.Errors);
        Assert.True(result.Requests > 0);
        Assert.Equal(result.RequestsPerSecond * 10, result.RowsPerSecond, 6);
        Assert.InRange(result.P50Milliseconds, 0, result.P99Milliseconds);
    }

    /// <summary><c>bench recommend-load</c>'s client: recommends for the tenant's known users, and a tenant without users fails clearly.</summary>
    private static async Task The_recommend_load_benchmark_drives_the_twin_api_without_errors(string url)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url + "/") };
        var result = await RecommendLoadBenchmark.RunAsync(
            client, new RecommendLoadSettings("demo"), new HttpLoadSettings(TimeSpan.FromMilliseconds(500), Concurrency: 2), CancellationToken.None);

        Assert.True(result.Requests > 0, result.Describe());
        Assert.Equal(0, result.Errors);
        Assert.Null(result.FirstError);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RecommendLoadBenchmark.RunAsync(
            client, new RecommendLoadSettings("gamma"), new HttpLoadSettings(TimeSpan.FromMilliseconds(200), 1), CancellationToken.None));
        // No tenant 'gamma' exists (the class's database holds the demo tenant only): GET /users answers 404 naming the header.
        const string Answer = "GET users answered 404: ";
        Assert.StartsWith(Answer, error.Message, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(error.Message[Answer.Length..]);
        Assert.Equal("No tenant 'gamma' exists.", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(TenantScope.HeaderName, problem.RootElement.GetProperty("field").GetString());
    }

    /// <summary><c>bench recommend-history</c>'s client: posts the two histories (a rerun stores nothing new) and times both users.</summary>
    private static async Task The_recommend_history_benchmark_times_a_long_and_a_short_history_side_by_side(string url)
    {
        using var client = HttpLoadDriver.CreateClient(new Uri(url + "/"), concurrency: 1);
        var settings = new RecommendHistorySettings("demo", LongHistory: 600, ShortHistory: 5, Requests: 20, Warmup: 2);
        var first = await RecommendHistoryBenchmark.RunAsync(client, settings, TextWriter.Null, CancellationToken.None);
        var log = new StringWriter();
        var rerun = await RecommendHistoryBenchmark.RunAsync(client, settings, log, CancellationToken.None);

        Assert.NotEqual(first.Long.UserId, first.Short.UserId);
        Assert.Equal((600, 5, 20, 20), (first.Long.Posted, first.Short.Posted, first.Long.Requests, first.Short.Requests));
        Assert.InRange(first.Long.P50Milliseconds, 0, first.Long.P99Milliseconds);
        Assert.Equal(first.Long.UserId, rerun.Long.UserId);
        Assert.Contains("(0 new)", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_load_benchmark_commands_reject_bad_options()
    {
        Assert.Equal(2, await EstimateLoadBenchmarkCommand.Create().Parse(["--url", "not a url", "--duration", "1"]).InvokeAsync());
        Assert.Equal(2, await RecommendLoadBenchmarkCommand.Create().Parse(["--url", "not a url", "--duration", "1"]).InvokeAsync());
        Assert.Equal(2, await RecommendLoadBenchmarkCommand.Create().Parse(["--concurrency", "0"]).InvokeAsync());
        Assert.Equal(2, await RecommendHistoryBenchmarkCommand.Create().Parse(["--url", "not a url"]).InvokeAsync());
        Assert.Equal(2, await RecommendHistoryBenchmarkCommand.Create().Parse(["--long", "0"]).InvokeAsync());
    }

    private static Task<WebApplication> StartAsync(MainJobWorkspace workspace) => workspace.StartAsync(
        // The benchmark clients below act through the tenant header; the smoke check uses the demo tenant key.
        "--Platform:Auth:AllowTenantHeader=true",
        "--Platform:Demo:Properties=1500",
        "--Platform:Demo:Users=80",
        "--Platform:Demo:InteractionsPerUser=100");

    private async Task<int> WaitForSmokeAsync(string url, string workspace, TimeSpan budget)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Tenant-Id", "demo");
        http.DefaultRequestHeaders.Add("X-Api-Key", DemoTenantKeyService.Read(workspace) ?? throw new InvalidOperationException("The main job wrote no demo tenant key."));
        var deadline = DateTime.UtcNow + budget;
        var log = new StringWriter();
        var failures = int.MaxValue;
        while (DateTime.UtcNow < deadline && failures != 0)
        {
            log.GetStringBuilder().Clear();
            failures = await new SmokeChecks(http, "u000001").RunAsync(log, CancellationToken.None);
            if (failures != 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
            }
        }

        output.WriteLine(log.ToString());
        return failures;
    }
}
