using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Platform.Lab.Agents;
using Platform.Lab.Reporting;
using Platform.Lab.Scenarios;
using Platform.Lab.Traffic;

namespace Platform.Lab;

/// <summary>
/// Runs a scenario's timeline against a platform: sets up a challenger when asked, drives each phase's traffic, drift and
/// faults while the observer samples and the guardrail acts, then waits for the eventual outcomes, judges thresholds and
/// expectations and writes the report (Markdown, JSON, PNG charts).
/// </summary>
public sealed class Commander(Scenario scenario, PlatformClient client, TextWriter log)
{
    private const string RetrainingWorkflow = "PlatformRetraining";

    public async Task<RunReport> RunAsync(string outputDirectory, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var bucket = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(scenario.TotalDuration.TotalSeconds / 150)));
        var recorder = new RunRecorder(bucket);
        var market = new LabMarket(scenario.Market, scenario.Tenant);
        var drift = new DriftAgent(market);
        var traffic = new TrafficAgent(client, market, drift, recorder, scenario.Market.Seed);
        var faults = new FaultInjector(client);
        var observer = new Observer(client);
        var guardrail = new Guardrail(client, scenario, recorder, log);
        var phases = new List<PhaseWindow>();
        var notes = new List<string>();

        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
        if (scenario.Challenger is { } challenger)
        {
            notes.Add(await SetUpChallengerAsync(challenger, traffic.RunId, cancellationToken).ConfigureAwait(false));
        }

        var needsWorkflows = scenario.Expect.RetrainingStarted || scenario.Guardrails.RetrainOnDrift;
        var workflowsBefore = needsWorkflows ? await observer.WorkflowsAsync(RetrainingWorkflow, cancellationToken).ConfigureAwait(false) : [];
        // The platform counts injected faults since it started; the report shows this run's share.
        var injectedBefore = await faults.InjectedAsync(cancellationToken).ConfigureAwait(false) ?? [];
        var clock = Stopwatch.StartNew();
        var initial = await observer.SampleAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        using var observing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var observerLoop = ObserveAsync(observer, guardrail, clock, observing.Token);

        try
        {
            foreach (var phase in scenario.Phases)
            {
                var from = clock.Elapsed;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{from.TotalSeconds,6:F1}s] phase {phase.Name} ({phase.Duration.TotalSeconds:0.#} s)"));
                drift.Enter(phase.Drift);
                await faults.EnterAsync(phase.Faults, cancellationToken).ConfigureAwait(false);
                if (phase.Traffic is { } spec)
                {
                    await traffic.RunPhaseAsync(spec, phase.Duration, clock, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(phase.Duration, cancellationToken).ConfigureAwait(false);
                }

                phases.Add(new PhaseWindow(phase.Name, from, clock.Elapsed));
            }
        }
        finally
        {
            await faults.ClearAsync(CancellationToken.None).ConfigureAwait(false);
            drift.Enter([]);
        }

        var timelineEnd = clock.Elapsed;
        var injected = (await faults.InjectedAsync(cancellationToken).ConfigureAwait(false))?
            .Select(i => KeyValuePair.Create(i.Key, i.Value - injectedBefore.GetValueOrDefault(i.Key)))
            .Where(i => i.Value > 0)
            .ToDictionary();
        var expectations = new List<Check>();
        await AwaitOutcomesAsync(observer, guardrail, initial, workflowsBefore, expectations, cancellationToken).ConfigureAwait(false);
        await observing.CancelAsync().ConfigureAwait(false);
        await observerLoop.ConfigureAwait(false);

        if (scenario.Expect.InteractionsExactlyOnce)
        {
            var audit = await traffic.AuditInteractionsAsync(cancellationToken).ConfigureAwait(false);
            expectations.Add(new Check("interactions_exactly_once", audit.Sent > 0 && audit.ExactlyOnce, string.Create(CultureInfo.InvariantCulture,
                $"{audit.Sent} sent, {audit.Acknowledged} acknowledged ({audit.AcknowledgedStoredAgain} of them missing on re-send), "
                + $"{audit.Unacknowledged} failed and retried ({audit.RetriedStored} stored by the retry, {audit.RetriedDuplicates} already stored), "
                + $"final pass: {audit.FinalStored} stored, {audit.FinalDuplicates} duplicates")));
            notes.Add($"interaction run id: lab-{traffic.RunId}");
        }

        if (scenario.Auction is { } auction)
        {
            var auctionReport = await new Auction.AuctionRunner(client, scenario.Market, scenario.Tenant, log)
                .RunAsync(auction, outputDirectory, cancellationToken).ConfigureAwait(false);
            expectations.AddRange(auctionReport.Checks.Select(c => c with { Name = "auction: " + c.Name }));
            notes.Add("bid simulation: see auction.md");
        }

        ResponseExpectations(recorder, expectations);
        var thresholds = ThresholdJudge.Judge(scenario.Thresholds, recorder, observer, timelineEnd);
        var report = new RunReport(scenario, client.BaseAddress, started, timelineEnd, clock.Elapsed, phases, recorder, observer.Observations,
            observer.FailedSamples, guardrail.Decisions, thresholds, expectations, injected, notes);
        ReportWriter.Write(report, outputDirectory);
        return report;
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var response = await client.Http.GetAsync("/ready", cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"The platform at {client.BaseAddress} is not ready (/ready answered {(int)response.StatusCode}).");
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Trains a challenger through the price training workflow with the scenario's (weak) tree settings; the gate rejects it and
    /// registers it as <c>challenger</c>. The alias is then set through the registry API, which announces it with model-deployed.
    /// </summary>
    private async Task<string> SetUpChallengerAsync(ChallengerSetup setup, string runId, CancellationToken cancellationToken)
    {
        var instanceId = $"lab-challenger-{runId}";
        var input = new JsonObject
        {
            ["tenantId"] = scenario.Tenant,
            // tuneSeconds 0: exactly these trees, no search and no blend (either would rescue the weak model).
            ["training"] = new JsonObject
            {
                ["iterations"] = setup.Iterations,
                ["leaves"] = setup.Leaves,
                ["learningRate"] = setup.LearningRate,
                ["tuneSeconds"] = 0,
            },
        };
        await client.SendJsonAsync(HttpMethod.Post, $"/workflows/PriceModelTraining/start?instanceId={instanceId}", input, cancellationToken)
            .ConfigureAwait(false);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        JsonNode? state;
        do
        {
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            state = await client.GetJsonAsync($"/workflows/{instanceId}", cancellationToken, admin: true).ConfigureAwait(false);
        }
        while (state?["runtimeStatus"]?.ToString() is "Pending" or "Running" && DateTime.UtcNow < deadline);

        var output = state?["output"];
        var version = output?["version"]?.GetValue<int?>();
        if (state?["runtimeStatus"]?.ToString() != "Completed" || version is null)
        {
            throw new InvalidOperationException($"The challenger training {instanceId} did not register a version: {state?.ToJsonString()}");
        }

        await client.SendJsonAsync(HttpMethod.Post, "/registry/price/aliases/challenger", new JsonObject { ["version"] = version }, cancellationToken)
            .ConfigureAwait(false);
        var line = $"challenger v{version} trained by {instanceId} ({setup.Iterations} iterations, {setup.Leaves} leaves): "
            + (output?["deployed"]?.GetValue<bool>() == true ? "promoted (!)" : "rejected by the gate: " + output?["rejectionReason"]);
        log.WriteLine(line);
        return line;
    }

    private async Task ObserveAsync(Observer observer, Guardrail guardrail, Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var observation = await observer.SampleAsync(clock.Elapsed, cancellationToken).ConfigureAwait(false);
                await guardrail.EvaluateAsync(observation, clock.Elapsed, cancellationToken).ConfigureAwait(false);
                await Task.Delay(scenario.ObserveEvery, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    /// <summary>Outcomes that follow the timeline (a retraining, a new version serving, a rollback), awaited up to expect.within.</summary>
    private async Task AwaitOutcomesAsync(
        Observer observer, Guardrail guardrail, Observation? initial, Dictionary<string, string> workflowsBefore, List<Check> checks,
        CancellationToken cancellationToken)
    {
        var expect = scenario.Expect;
        if (!expect.RetrainingStarted && !expect.NewVersionServes && !expect.CanaryRolledBack)
        {
            return;
        }

        var deadline = DateTime.UtcNow + expect.Within;
        string? retraining = null;
        string retrainingStatus = "";
        int? served = null;
        while (true)
        {
            if (expect.RetrainingStarted || expect.NewVersionServes)
            {
                var now = await observer.WorkflowsAsync(RetrainingWorkflow, cancellationToken).ConfigureAwait(false);
                if (now.Keys.Except(workflowsBefore.Keys).FirstOrDefault() is { } started)
                {
                    (retraining, retrainingStatus) = (started, now[started]);
                }
            }

            if (expect.NewVersionServes && initial?.Champion is { } before)
            {
                served = await ServedVersionAsync(cancellationToken).ConfigureAwait(false);
                served = served > before ? served : null;
            }

            var rolledBack = guardrail.RolledBackVersion is not null && observer.Last is { } last && last.Challenger == last.Champion;
            var done = (!expect.RetrainingStarted || retraining is not null)
                && (!expect.NewVersionServes || served is not null)
                && (!expect.CanaryRolledBack || rolledBack);
            if (done || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            await observer.SampleAsync(observer.Last?.At ?? TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }

        if (expect.RetrainingStarted)
        {
            checks.Add(new Check("retraining_started", retraining is not null && guardrail.TrainingEventId is not null,
                retraining is null ? "no new PlatformRetraining instance" : $"{retraining} ({retrainingStatus}) after training-requested {guardrail.TrainingEventId}"));
        }

        if (expect.NewVersionServes)
        {
            checks.Add(new Check("new_version_serves", served is not null,
                served is null ? $"estimates still come from v{initial?.Champion}" : $"estimates now come from v{served} (was v{initial?.Champion})"));
        }

        if (expect.CanaryRolledBack)
        {
            var last = observer.Last;
            checks.Add(new Check("canary_rolled_back", guardrail.RolledBackVersion is not null && last?.Challenger == last?.Champion,
                guardrail.RolledBackVersion is null ? "the guardrail did not roll the canary back"
                    : $"challenger v{guardrail.RolledBackVersion} rolled back; challenger alias now v{last?.Challenger}, champion v{last?.Champion}"));
        }
    }

    private async Task<int?> ServedVersionAsync(CancellationToken cancellationToken)
    {
        var market = new LabMarket(scenario.Market with { Properties = 10 }, scenario.Tenant);
        try
        {
            var answer = await client.SendJsonAsync(HttpMethod.Post, "/estimate",
                new JsonObject { ["properties"] = new JsonArray(TrafficAgent.EstimateRow(market.Properties[0], market.ValuationDate)) }, cancellationToken, admin: false)
                .ConfigureAwait(false);
            return answer?["model_version"]?.GetValue<int>();
        }
        catch (PlatformCallException)
        {
            return null;
        }
    }

    private void ResponseExpectations(RunRecorder recorder, List<Check> checks)
    {
        var expect = scenario.Expect;
        var statuses = recorder.Routes.Values.SelectMany(r => r.Statuses).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        var seen = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key)}×{s.Value}"));
        if (expect.Statuses is { } allowed)
        {
            var other = statuses.Keys.Where(s => !allowed.Contains(s)).ToList();
            checks.Add(new Check("statuses", other.Count == 0, $"allowed {string.Join(", ", allowed)}; saw {seen}"));
        }

        foreach (var status in expect.Saw)
        {
            checks.Add(new Check($"saw_{status}", statuses.GetValueOrDefault(status) > 0, $"saw {seen}"));
        }

        if (expect.RetryAfterOn429)
        {
            var rejected = statuses.GetValueOrDefault(429);
            var withHeader = recorder.Routes.Values.Sum(r => r.RetryAfter429);
            checks.Add(new Check("retry_after_on_429", rejected > 0 && withHeader == rejected, $"{withHeader} of {rejected} 429 responses carried Retry-After"));
        }

        if (expect.ProblemDetailsOnErrors)
        {
            var errors = recorder.Routes.Values.Sum(r => r.Errors);
            var problems = recorder.Routes.Values.Sum(r => r.ProblemDetailsErrors);
            checks.Add(new Check("problem_details_on_errors", errors == problems,
                $"{problems} of {errors} failed responses were application/problem+json (no answer: {statuses.GetValueOrDefault(0)})"));
        }
    }
}

/// <summary>When a phase ran, on the run clock.</summary>
public sealed record PhaseWindow(string Name, TimeSpan From, TimeSpan To);

/// <summary>A judged threshold or expectation.</summary>
public sealed record Check(string Name, bool Passed, string Detail);
