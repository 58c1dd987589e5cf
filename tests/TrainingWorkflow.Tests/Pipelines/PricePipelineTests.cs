using Platform.BuildingBlocks.Registry;
using Platform.Testing;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary>The price pipeline end to end: Dapr Workflow SDK on the embedded sidecar, PostgreSQL fixture, in-process bus, folder artifacts.</summary>
public sealed class PricePipelineTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    /// <summary>~1,500 sales: 2,500 properties, 60 % sold.</summary>
    private const int Properties = 2500;

    /// <summary>Few trees keep the suite fast; still far better than the weak model below.</summary>
    private static readonly PriceTrainingParameters Normal = new() { Iterations = 150, LearningRate = 0.1 };

    [Fact]
    public async Task A_pipeline_started_without_input_is_422_and_one_that_cannot_read_its_tenant_fails_at_once_without_retries()
    {
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_inputs");
        using var http = host.CreateHttpClient();
        foreach (var name in new[] { PriceModelTrainingWorkflow.Name, Platform.TrainingWorkflow.Pipelines.Twin.PortfolioTwinTrainingWorkflow.Name, Platform.TrainingWorkflow.Pipelines.PlatformRetrainingWorkflow.Name })
        {
            using var response = await http.PostAsync($"/workflows/{name}/start?instanceId=no-input-{name}", null);

            Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"field\":\"input\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Null(await host.Workflows.GetAsync($"no-input-{name}"));
        }

        var (id, _) = await host.Workflows.StartAsync(PriceModelTrainingWorkflow.Name, "unreadable-tenant", new PriceTrainingInput { TenantId = "not a tenant!" });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Workflows.WaitForCompletionAsync(id, cancel.Token);

        Assert.Equal(Dapr.Workflow.WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        // One attempt of the data check and no back-off timer: an invalid tenant id stays invalid.
        var step = Assert.Single(state.Steps);
        Assert.Equal((nameof(CheckPriceDataActivity), "Failed"), (step.Name, step.Status));
    }

    [Fact]
    public async Task A_better_model_is_promoted_and_announced()
    {
        await PipelineHost.LoadMarketAsync(database.DataSource, "better", Properties);
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_better");
        var weak = new PriceTrainingInput { TenantId = "better", Training = new PriceTrainingParameters { Iterations = 3, LearningRate = 0.05, TuneSeconds = 0 } };

        var first = (await host.RunAsync(PriceModelTrainingWorkflow.Name, weak)).ReadOutputAs<TrainingOutcome>()!;
        var secondState = await host.RunAsync(PriceModelTrainingWorkflow.Name, weak with { Training = Normal });
        var second = secondState.ReadOutputAs<TrainingOutcome>()!;

        Assert.Equal(
            ["CheckPriceDataActivity", "SnapshotPriceDatasetActivity", "TrainPriceModelActivity", "EvaluatePriceModelActivity", "DeployModelActivity"],
            secondState.Steps.Select(s => s.Name));
        Assert.Equal(new WorkflowProgress("deploy", 7, 7, $"price v{second.Version} is champion"), secondState.ReadCustomStatusAs<WorkflowProgress>());

        Assert.True(first.Deployed, first.RejectionReason);
        Assert.True(second.Deployed, second.RejectionReason);
        Assert.True(second.Metrics[PriceMetricKeys.MdApe] < first.Metrics[PriceMetricKeys.MdApe] / 2,
            $"MdAPE {second.Metrics[PriceMetricKeys.MdApe]:F2} vs weak {first.Metrics[PriceMetricKeys.MdApe]:F2}");
        var champion = await host.Registry.ResolveAsync("better", "price", ModelRegistry.Champion);
        Assert.Equal(second.Version, champion!.Version);
        Assert.Equal(second.DataHash, champion.Lineage.DataHash);
        Assert.Equal(CodeVersion.Current, champion.Lineage.CodeVersion);
        Assert.Equal("150", champion.Lineage.Parameters["iterations"]);
        // What training chose is lineage too: the searched boosting parameters and the kept blend.
        Assert.True(champion.Lineage.Parameters.ContainsKey("chosen.leaves"), string.Join(", ", champion.Lineage.Parameters.Keys));
        Assert.False(string.IsNullOrEmpty(champion.Lineage.Parameters["blend"]));

        await host.Bus.WaitUntilIdleAsync(TimeSpan.FromSeconds(10));
        var announced = host.Deployed.Received.Select(e => e.DataAs<ModelDeployed>()!).ToList();
        Assert.Contains(new ModelDeployed("price", second.Version!.Value, ModelRegistry.Champion, "better"), announced);

        var manifest = await ArtifactJson.ReadAsync<PriceSnapshotManifest>(host.Artifacts, champion.Lineage.TrainingManifestArtifactId!, CancellationToken.None);
        Assert.Equal("better", manifest.TenantId);
        Assert.Equal(second.DataHash, manifest.Sha256);
        Assert.InRange(manifest.RowsKept, 1300, 1700);
        Assert.Equal(manifest.RowsRead - manifest.RowsKept, manifest.DroppedByColumn.Values.Sum());

        var report = System.Text.Encoding.UTF8.GetString(
            await ArtifactJson.ReadBytesAsync(host.Artifacts, champion.ReportArtifactId!, CancellationToken.None));
        Assert.StartsWith("# Price model report", report, StringComparison.Ordinal);
        Assert.Contains("## Segments", report, StringComparison.Ordinal);
        Assert.Contains("## Tuning and blend", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_poisoned_dataset_is_rejected_by_the_gate_and_the_champion_keeps_serving()
    {
        await PipelineHost.LoadMarketAsync(database.DataSource, "poisoned", Properties, seed: 6);
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_poisoned");
        var input = new PriceTrainingInput { TenantId = "poisoned", Training = Normal };
        var clean = (await host.RunAsync(PriceModelTrainingWorkflow.Name, input)).ReadOutputAs<TrainingOutcome>()!;
        Assert.True(clean.Deployed, clean.RejectionReason);

        await ShuffleLabelsAsync("poisoned");
        var poisonedState = await host.RunAsync(PriceModelTrainingWorkflow.Name, input);
        var poisoned = poisonedState.ReadOutputAs<TrainingOutcome>()!;

        Assert.False(poisoned.Deployed);
        Assert.StartsWith("gate:", poisoned.RejectionReason);
        Assert.Contains("champion's recorded metrics", poisoned.RejectionReason);
        var aliases = await host.Registry.GetAliasesAsync("poisoned", "price");
        Assert.Equal(clean.Version, aliases[ModelRegistry.Champion]);
        Assert.Equal(poisoned.Version, aliases[ModelRegistry.Challenger]);
        var challenger = await host.Registry.GetVersionAsync("poisoned", "price", poisoned.Version!.Value);
        Assert.Equal(poisoned.RejectionReason, challenger!.Lineage.Parameters["rejected"]);
        await host.Bus.WaitUntilIdleAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(host.Deployed.Received, e => e.DataAs<ModelDeployed>()!.Version == poisoned.Version);
        var progress = poisonedState.ReadCustomStatusAs<WorkflowProgress>()!;
        Assert.Equal("deploy", progress.Step);
        Assert.StartsWith("rejected:", progress.Detail);
    }

    [Fact]
    public async Task Too_few_sales_fail_the_data_check_before_anything_is_trained()
    {
        await PipelineHost.LoadMarketAsync(database.DataSource, "tiny", properties: 100, seed: 8);
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_tiny");

        var outcome = (await host.RunAsync(PriceModelTrainingWorkflow.Name, new PriceTrainingInput { TenantId = "tiny" })).ReadOutputAs<TrainingOutcome>()!;

        Assert.False(outcome.Deployed);
        Assert.Null(outcome.Version);
        Assert.Contains("too few sales", outcome.RejectionReason);
        Assert.Empty(await host.Registry.ListVersionsAsync("tiny", "price"));
    }

    [Fact]
    public async Task Approval_timeout_rejects_the_candidate_and_an_approval_promotes_it()
    {
        await PipelineHost.LoadMarketAsync(database.DataSource, "approval", Properties, seed: 9);
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_approval");
        var input = new PriceTrainingInput { TenantId = "approval", Training = Normal, ApprovalRequired = true, ApprovalTimeout = TimeSpan.FromSeconds(1) };

        var timedOut = (await host.RunAsync(PriceModelTrainingWorkflow.Name, input)).ReadOutputAs<TrainingOutcome>()!;
        Assert.False(timedOut.Deployed);
        Assert.Contains("approval timed out", timedOut.RejectionReason);

        var (id, _) = await host.Workflows.StartAsync(PriceModelTrainingWorkflow.Name, null, input with { ApprovalTimeout = TimeSpan.FromMinutes(5) });
        // Raised before the workflow reaches its wait: the sidecar buffers it.
        Assert.Equal(Management.WorkflowCommandResult.Applied,
            await host.Workflows.RaiseEventAsync(id, PriceModelTrainingWorkflow.ApprovalEvent, new ApprovalDecision(true, "analyst")));
        var approved = (await host.WaitAsync(id)).ReadOutputAs<TrainingOutcome>()!;
        Assert.True(approved.Deployed, approved.RejectionReason);
        Assert.Equal(approved.Version, (await host.Registry.ResolveAsync("approval", "price", ModelRegistry.Champion))!.Version);
    }

    /// <summary>Gives every sale the price of another sale (a fixed permutation): same price distribution, no signal.</summary>
    private async Task ShuffleLabelsAsync(string tenant)
    {
        await using var command = database.DataSource.CreateCommand("""
            WITH a AS (SELECT transaction_id, row_number() OVER (ORDER BY transaction_id) AS rn FROM transactions WHERE tenant_id = @t),
                 b AS (SELECT sold_price, row_number() OVER (ORDER BY md5(transaction_id)) AS rn FROM transactions WHERE tenant_id = @t)
            UPDATE transactions t SET sold_price = b.sold_price
            FROM a JOIN b USING (rn)
            WHERE t.tenant_id = @t AND t.transaction_id = a.transaction_id
            """);
        command.Parameters.AddWithValue("t", tenant);
        Assert.True(await command.ExecuteNonQueryAsync() > 1000);
    }
}
