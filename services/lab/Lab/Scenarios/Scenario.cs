namespace Platform.Lab.Scenarios;

/// <summary>
/// A stress-lab scenario: a timeline of phases (traffic, drift, faults), the SLO thresholds that gate the run, the guardrails
/// that act on the platform, and the outcomes the run must show. Read from YAML by <see cref="ScenarioLoader"/>.
/// </summary>
public sealed record Scenario
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Tenant the traffic acts for (X-Tenant-Id), and whose retraining the guardrail requests.</summary>
    public string Tenant { get; init; } = "demo";

    public MarketSpec Market { get; init; } = new();

    public IReadOnlyList<Phase> Phases { get; init; } = [];

    /// <summary>Gating thresholds by scope (a route, <c>all</c>, <c>drift</c>, <c>model</c>, or an alias); a failure exits non-zero.</summary>
    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    public GuardrailSpec Guardrails { get; init; } = new();

    /// <summary>A challenger to train (deliberately worse when asked) before the timeline starts, for canary scenarios.</summary>
    public ChallengerSetup? Challenger { get; init; }

    public Expectations Expect { get; init; } = new();

    /// <summary>A bid simulation run after the timeline (an auction scenario may have no phases).</summary>
    public Auction.AuctionSpec? Auction { get; init; }

    /// <summary>How often the observer samples drift, the registry and the live SLO windows.</summary>
    public TimeSpan ObserveEvery { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan TotalDuration => Phases.Aggregate(TimeSpan.Zero, (sum, phase) => sum + phase.Duration);
}

/// <summary>The lab's copy of the synthetic market: same seed as the platform's tenant, so ids and ground truth match.</summary>
public sealed record MarketSpec
{
    public int Seed { get; init; } = 7;

    /// <summary>How many of the market's properties the traffic uses (a prefix of the platform's, so they exist there).</summary>
    public int Properties { get; init; } = 300;

    public int Users { get; init; } = 20;
}

public sealed record Phase
{
    public required string Name { get; init; }

    public required TimeSpan Duration { get; init; }

    public TrafficSpec? Traffic { get; init; }

    public IReadOnlyList<DriftSpec> Drift { get; init; } = [];

    /// <summary>Faults per port in force during the phase (null: the phase leaves faults off).</summary>
    public IReadOnlyDictionary<string, FaultSpec>? Faults { get; init; }
}

public enum TrafficPattern
{
    Soak,
    Ramp,
    Burst,
    Step,
}

/// <summary>An open-loop arrival rate (requests per second) over a weighted mix of routes.</summary>
public sealed record TrafficSpec
{
    public TrafficPattern Pattern { get; init; } = TrafficPattern.Soak;

    /// <summary>Soak rate; the base rate of a burst.</summary>
    public double Rate { get; init; }

    public double From { get; init; }

    public double To { get; init; }

    /// <summary>Burst: the peak rate, when it starts within the phase and how long it lasts.</summary>
    public double Peak { get; init; }

    public TimeSpan BurstAt { get; init; }

    public TimeSpan BurstFor { get; init; }

    /// <summary>Step: equal-length steps at these rates.</summary>
    public IReadOnlyList<double> Steps { get; init; } = [];

    public IReadOnlyDictionary<string, double> Mix { get; init; } = new Dictionary<string, double> { [Routes.Estimate] = 1 };

    /// <summary>Rows per <c>estimate_batch</c> request and interactions per <c>interactions</c> request.</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>Requests outstanding at most; later arrivals wait, and the wait counts in their latency (no coordinated omission).</summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>Send the admin key with traffic (it counts against the key's rate-limit partition, not the address's).</summary>
    public bool WithApiKey { get; init; }

    /// <summary>The target rate <paramref name="t"/> into a phase of length <paramref name="duration"/>.</summary>
    public double RateAt(TimeSpan t, TimeSpan duration) => Pattern switch
    {
        TrafficPattern.Ramp => From + (To - From) * Math.Clamp(t / duration, 0, 1),
        TrafficPattern.Burst => t >= BurstAt && t < BurstAt + BurstFor ? Peak : Rate,
        TrafficPattern.Step => Steps.Count == 0 ? 0 : Steps[Math.Min(Steps.Count - 1, (int)(t / duration * Steps.Count))],
        _ => Rate,
    };
}

/// <summary>The routes traffic can hit, by their mix names.</summary>
public static class Routes
{
    public const string Estimate = "estimate";
    public const string EstimateBatch = "estimate_batch";
    public const string Recommend = "recommend";
    public const string Predict = "predict";
    public const string Interactions = "interactions";

    /// <summary>GET /registry/price/aliases: a read through the state-store port.</summary>
    public const string Registry = "registry";

    public static readonly IReadOnlyList<string> All = [Estimate, EstimateBatch, Recommend, Predict, Interactions, Registry];
}

/// <summary>
/// A shift of one generated feature, reached linearly over <see cref="Over"/> from the phase's start: numeric mean shift
/// (relative) and spread scale, a category mix, or new locations (coordinates moved by up to <see cref="ShiftKm"/>).
/// </summary>
public sealed record DriftSpec
{
    public required string Feature { get; init; }

    public double Shift { get; init; }

    public double Scale { get; init; } = 1;

    public IReadOnlyDictionary<string, double>? Mix { get; init; }

    public double ShiftKm { get; init; }

    public TimeSpan Over { get; init; }

    public static readonly IReadOnlyList<string> NumericFeatures = ["usable_area", "year_built", "condition", "bedrooms", "rooms"];
    public static readonly IReadOnlyList<string> CategoryFeatures = ["property_type", "municipality", "interaction_kind"];
    public const string Location = "location";
}

/// <summary>Faults in one port (see the platform's chaos route).</summary>
public sealed record FaultSpec(double ErrorRate, double LatencyRate, int LatencyMs, double DropRate);

/// <summary>What the guardrail does: retrain on a drift alert, roll a canary back when its SLO breaks, alert on the rest.</summary>
public sealed record GuardrailSpec
{
    public bool RetrainOnDrift { get; init; }

    /// <summary>Features whose alert-level drift triggers retraining; empty: any alert the platform raises.</summary>
    public IReadOnlyList<string> DriftFeatures { get; init; } = [];

    /// <summary>SLO of the challenger's share of traffic; a breach rolls the canary back.</summary>
    public IReadOnlyList<Threshold> CanarySlo { get; init; } = [];

    /// <summary>Challenger responses needed before its SLO is judged.</summary>
    public int CanaryMinSamples { get; init; } = 30;

    public bool RollbackCanary { get; init; } = true;
}

/// <summary>A challenger trained through the price training workflow with these tree settings (few, shallow trees: a worse model).</summary>
public sealed record ChallengerSetup(int Iterations, int Leaves, double LearningRate);

/// <summary>Outcomes the run must show besides its thresholds. Eventual ones are awaited up to <see cref="Within"/> after the timeline.</summary>
public sealed record Expectations
{
    /// <summary>Every response status must be one of these (null: anything).</summary>
    public IReadOnlyList<int>? Statuses { get; init; }

    /// <summary>Statuses that must occur at least once.</summary>
    public IReadOnlyList<int> Saw { get; init; } = [];

    public bool RetryAfterOn429 { get; init; }

    public bool ProblemDetailsOnErrors { get; init; }

    public bool InteractionsExactlyOnce { get; init; }

    public bool RetrainingStarted { get; init; }

    public bool NewVersionServes { get; init; }

    public bool CanaryRolledBack { get; init; }

    public TimeSpan Within { get; init; } = TimeSpan.FromSeconds(60);
}
