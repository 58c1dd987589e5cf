using Platform.BuildingBlocks.Benchmarks;
using Platform.PortfolioTwin.Api.Benchmarks;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary><c>bench recommend-load</c>: drives /recommend for the tenant's known users and counts every non-answer as an error.</summary>
[Collection(TwinApiCollection.Name)]
public sealed class RecommendLoadBenchmarkTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task A_short_run_recommends_for_the_tenants_users_without_errors()
    {
        using var client = fixture.Factory.CreateClient();

        var result = await RecommendLoadBenchmark.RunAsync(
            client, new RecommendLoadSettings(TwinApiFixture.Alpha), new HttpLoadSettings(TimeSpan.FromSeconds(1), Concurrency: 2), CancellationToken.None);

        Assert.True(result.Requests > 0, result.Describe());
        Assert.Equal(0, result.Errors);
        Assert.Null(result.FirstError);
    }

    [Fact]
    public async Task A_tenant_without_users_fails_clearly_and_bad_options_exit_2()
    {
        using var client = fixture.Factory.CreateClient();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RecommendLoadBenchmark.RunAsync(
            client, new RecommendLoadSettings("gamma"), new HttpLoadSettings(TimeSpan.FromSeconds(1), 1), CancellationToken.None));

        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, await RecommendLoadBenchmarkCommand.Create().Parse(["--url", "not a url", "--duration", "1"]).InvokeAsync());
        Assert.Equal(2, await RecommendLoadBenchmarkCommand.Create().Parse(["--concurrency", "0"]).InvokeAsync());
    }
}
