using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Twin;
using Platform.TrainingWorkflow.Scheduling;
using Platform.TrainingWorkflow.Workflows;
using Platform.Valuation.Model.Data;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary>The gates, data checks and registration rules on their own, without a database.</summary>
public sealed class PipelineRuleTests
{
    private static PriceScore Score(double mdape, double wape, double segment = double.NaN) =>
        new(mdape, wape, mdape, 50, double.IsNaN(segment) ? [] : new Dictionary<string, double> { ["leilighet"] = segment });

    private static PriceEvaluation Evaluation(PriceScore candidate, PriceScore? onHoldout, PriceScore? recorded) =>
        new(candidate, 300, "leilighet", onHoldout is null && recorded is null ? null : 1, onHoldout, recorded);

    [Fact]
    public void Without_a_champion_only_the_dataset_size_is_gated()
    {
        var options = new PriceGateOptions();
        Assert.True(PriceGate.Decide(options, Evaluation(Score(30, 30), null, null), 1000).Passed);
        var small = PriceGate.Decide(options, Evaluation(Score(10, 10), null, null), 150);
        Assert.False(small.Passed);
        Assert.Contains("at least 200", Assert.Single(small.Reasons));
    }

    [Fact]
    public void A_candidate_within_the_allowed_degradation_passes_and_one_beyond_fails()
    {
        var options = new PriceGateOptions();
        var champion = Score(10, 12, segment: 9);
        Assert.True(PriceGate.Decide(options, Evaluation(Score(10.4, 12.5, segment: 9.8), champion, champion), 1000).Passed);

        var worse = PriceGate.Decide(options, Evaluation(Score(10.6, 12.5, segment: 9.8), champion, null), 1000);
        Assert.False(worse.Passed);
        Assert.Contains("MdAPE 10.60", Assert.Single(worse.Reasons));
    }

    [Fact]
    public void The_key_segment_has_its_own_threshold()
    {
        var champion = Score(10, 12, segment: 9);
        var decision = PriceGate.Decide(new PriceGateOptions(), Evaluation(Score(9, 11, segment: 10), champion, null), 1000);
        Assert.False(decision.Passed);
        Assert.Contains("key segment 'leilighet'", Assert.Single(decision.Reasons));
    }

    [Fact]
    public void A_poisoned_candidate_that_beats_the_champion_on_a_poisoned_holdout_still_fails_against_recorded_metrics()
    {
        // Shuffled labels: the champion scores 55 % on the new holdout, the poisoned model 38 %, but the champion showed 12 % on clean data.
        var decision = PriceGate.Decide(new PriceGateOptions(), Evaluation(Score(38, 40), Score(55, 60), Score(12, 13)), 1000);
        Assert.False(decision.Passed);
        Assert.All(decision.Reasons, r => Assert.Contains("recorded metrics", r));
    }

    [Fact]
    public void The_twin_gate_adds_an_ndcg_regression_check_to_the_trainer_gates()
    {
        var options = new TwinGateOptions();
        TrainedTwinModel Candidate(double ndcg, params string[] failures) =>
            new("m", "r", new Dictionary<string, double> { [TwinGate.NdcgAt10] = ndcg }, failures, 5);
        var champion = new ChampionMetrics(3, new Dictionary<string, double> { [TwinGate.NdcgAt10] = 0.30 });

        Assert.True(TwinGate.Decide(options, Candidate(0.295), champion).Passed);
        Assert.Contains("regresses against champion v3", Assert.Single(TwinGate.Decide(options, Candidate(0.25), champion).Reasons));
        Assert.Equal(["f1 0.500 < 0.6"], TwinGate.Decide(options, Candidate(0.4, "f1 0.500 < 0.6"), new ChampionMetrics(null, [])).Reasons);
    }

    [Fact]
    public void Psi_is_near_zero_for_the_same_data_and_large_for_shifted_prices()
    {
        var reference = Dataset(seed: 1, priceFactor: 1);
        var profile = DatasetProfile.Compute(reference);

        Assert.All(profile.Psi(Dataset(seed: 2, priceFactor: 1)), c => Assert.True(c.Value < 0.1, $"{c.Key}: {c.Value}"));
        Assert.True(profile.Psi(Dataset(seed: 2, priceFactor: 2))[DatasetProfile.TargetColumn] > 1);
    }

    [Fact]
    public void Data_checks_name_the_failing_rule()
    {
        var reference = DatasetProfile.Compute(Dataset(seed: 1, priceFactor: 1));
        var failures = PriceDataChecks.Run(Dataset(seed: 2, priceFactor: 2, rows: 150), new PriceDataCheckOptions(), reference);

        Assert.Contains(failures, f => f.StartsWith("too few sales: 150", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("label sanity: median price per m²", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("drift in column '(target)'", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_request_instance_ids_are_stable_and_valid()
    {
        var id = RetrainingInstanceId.For("demo", RetrainingInstanceId.EventWindow("a/strange:event id"));
        Assert.Equal(id, RetrainingInstanceId.For("demo", RetrainingInstanceId.EventWindow("a/strange:event id")));
        Assert.NotEqual(id, RetrainingInstanceId.For("demo", RetrainingInstanceId.EventWindow("another")));
        Assert.Null(WorkflowInstanceId.Validate(id));
    }

    [Fact]
    public void A_weekly_retraining_is_scheduled_per_tenant_unless_configured_otherwise()
    {
        var schedules = new WorkflowScheduleOptions();
        TrainingPipelinesServiceCollectionExtensions.AddDefaultSchedules(schedules, new TrainingPipelineOptions { Tenants = ["demo", "acme"] });
        Assert.Equal(["retrain-demo", "retrain-acme"], schedules.Schedules.Select(s => s.Name));
        Assert.All(schedules.Schedules, s => Assert.Equal("0 3 * * 1", s.Cron));
        WorkflowCronScheduler.Validate(schedules.Schedules);

        var configured = new WorkflowScheduleOptions { Schedules = [new WorkflowSchedule { Name = "mine", Workflow = PlatformRetrainingWorkflow.Name, Cron = "0 0 * * *" }] };
        TrainingPipelinesServiceCollectionExtensions.AddDefaultSchedules(configured, new TrainingPipelineOptions());
        Assert.Single(configured.Schedules);
    }

    /// <summary>A small deterministic dataset in the pipeline's schema: price ≈ 50,000 per m² × factor, with noise.</summary>
    private static SalesDataset Dataset(int seed, double priceFactor, int rows = 600)
    {
        var random = new Random(seed);
        var csv = new System.Text.StringBuilder(PriceDatasetFormat.Header).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            var area = 30 + random.Next(150);
            var price = area * 50_000 * priceFactor * Math.Exp(random.NextDouble() * 0.2 - 0.1);
            var type = random.Next(3) == 0 ? "enebolig" : "leilighet";
            csv.Append(FormattableString.Invariant(
                $"t{seed}-{i},p{i},2024-01-01,{price:F0},{type},Oslo,0150,59.9,10.7,{area},{area + 10},,{1 + area / 30},{1 + area / 40},1,2,{1950 + random.Next(70)},3\n"));
        }

        return PriceDatasetFormat.Read(System.Text.Encoding.UTF8.GetBytes(csv.ToString()), "test");
    }
}
