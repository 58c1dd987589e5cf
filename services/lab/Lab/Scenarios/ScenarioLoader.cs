using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Platform.Lab.Scenarios;

/// <summary>A scenario file that cannot be run; every problem names its line and key.</summary>
public sealed class ScenarioException(string file, IReadOnlyList<string> problems)
    : Exception($"{file}: {problems.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads a scenario from YAML (YamlDotNet's representation model, which keeps positions) and validates it while building the
/// model: unknown keys, wrong types and impossible values are all reported at once as <c>line N, key: problem</c>.
/// </summary>
public static partial class ScenarioLoader
{
    private static readonly string[] PortNames = ["state_store", "pubsub", "artifact_store", "vector_index", "model_loading"];

    public static Scenario LoadFile(string path) => Load(File.ReadAllText(path), path);

    public static Scenario Load(string yaml, string file = "scenario")
    {
        var problems = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException exception)
        {
            throw new ScenarioException(file, [$"line {exception.Start.Line}: not valid YAML: {exception.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioException(file, ["line 1: the scenario must be a mapping with at least 'name' and 'phases'."]);
        }

        var reader = new Reader(problems);
        var scenario = reader.Scenario(root);
        if (problems.Count > 0)
        {
            throw new ScenarioException(file, problems);
        }

        return scenario!;
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        duration = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => TimeSpan.FromSeconds(value),
        };
        return true;
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$")]
    private static partial Regex DurationPattern();

    private sealed class Reader(List<string> problems)
    {
        public Scenario? Scenario(YamlMappingNode root)
        {
            var map = new Map(this, root, "");
            var name = map.String("name", required: true) ?? "";
            if (name.Length > 0 && !Regex.IsMatch(name, "^[a-z0-9][a-z0-9-]{0,62}$"))
            {
                map.Problem("name", "use lower-case letters, digits and '-' (it names the report folder).");
            }

            var scenario = new Scenario
            {
                Name = name,
                Description = map.String("description"),
                Tenant = map.String("tenant") ?? "demo",
                Market = map.Child("market") is { } market ? Market(market) : new MarketSpec(),
                Phases = map.List("phases", required: !map.Has("auction"), Phase) ?? [],
                Thresholds = map.Child("thresholds") is { } thresholds ? Thresholds(thresholds) : [],
                Guardrails = map.Child("guardrails") is { } guardrails ? Guardrails(guardrails) : new GuardrailSpec(),
                Challenger = map.Child("challenger") is { } challenger ? Challenger(challenger) : null,
                Expect = map.Child("expect") is { } expect ? Expect(expect) : new Expectations(),
                ObserveEvery = map.Duration("observe_every") ?? TimeSpan.FromMilliseconds(500),
                Auction = map.Child("auction") is { } auction ? Auction(auction) : null,
            };
            if (scenario.Phases.Count == 0 && map.Has("phases"))
            {
                map.Problem("phases", "at least one phase is required.");
            }

            map.RejectUnknown();
            return scenario;
        }

        private MarketSpec Market(Map map)
        {
            var market = new MarketSpec
            {
                Seed = map.Int("seed") ?? 7,
                Properties = map.Int("properties", min: 10) ?? 300,
                Users = map.Int("users", min: 1) ?? 20,
            };
            map.RejectUnknown();
            return market;
        }

        private Phase Phase(Map map)
        {
            var phase = new Phase
            {
                Name = map.String("name", required: true) ?? "",
                Duration = map.Duration("duration", required: true) ?? TimeSpan.Zero,
                Traffic = map.Child("traffic") is { } traffic ? Traffic(traffic) : null,
                Drift = map.List("drift", required: false, Drift) ?? [],
                Faults = map.Child("faults") is { } faults ? Faults(faults) : null,
            };
            if (phase.Duration <= TimeSpan.Zero && map.String("duration") is { } text && TryParseDuration(text, out _))
            {
                map.Problem("duration", "must be positive.");
            }

            map.RejectUnknown();
            return phase;
        }

        private TrafficSpec Traffic(Map map)
        {
            var patternText = map.String("pattern") ?? "soak";
            if (!Enum.TryParse<TrafficPattern>(patternText, ignoreCase: true, out var pattern))
            {
                map.Problem("pattern", $"'{patternText}' is not one of soak, ramp, burst, step.");
            }

            var spec = new TrafficSpec
            {
                Pattern = pattern,
                Rate = map.Double("rate", min: 0) ?? 0,
                From = map.Double("from", min: 0) ?? 0,
                To = map.Double("to", min: 0) ?? 0,
                Peak = map.Double("peak", min: 0) ?? 0,
                BurstAt = map.Duration("burst_at") ?? TimeSpan.Zero,
                BurstFor = map.Duration("burst_for") ?? TimeSpan.Zero,
                Steps = map.Doubles("steps") ?? [],
                Mix = map.Child("mix") is { } mix ? Weights(mix, Routes.All) : new Dictionary<string, double> { [Routes.Estimate] = 1 },
                BatchSize = map.Int("batch_size", min: 1, max: 1000) ?? 20,
                MaxInFlight = map.Int("max_in_flight", min: 1, max: 10_000) ?? 256,
                WithApiKey = map.Bool("with_api_key") ?? false,
            };
            switch (spec.Pattern)
            {
                case TrafficPattern.Soak when !map.Has("rate"):
                    map.Problem("rate", "a soak needs 'rate' (requests per second).");
                    break;
                case TrafficPattern.Ramp when !map.Has("from") || !map.Has("to"):
                    map.Problem("pattern", "a ramp needs 'from' and 'to' (requests per second).");
                    break;
                case TrafficPattern.Burst when !map.Has("peak") || !map.Has("burst_for"):
                    map.Problem("pattern", "a burst needs 'rate', 'peak', 'burst_at' and 'burst_for'.");
                    break;
                case TrafficPattern.Step when spec.Steps.Count == 0:
                    map.Problem("steps", "a step pattern needs 'steps' (a list of rates).");
                    break;
            }

            map.RejectUnknown();
            return spec;
        }

        private DriftSpec Drift(Map map)
        {
            var feature = map.String("feature", required: true) ?? "";
            var known = DriftSpec.NumericFeatures.Concat(DriftSpec.CategoryFeatures).Append(DriftSpec.Location).ToList();
            if (feature.Length > 0 && !known.Contains(feature))
            {
                map.Problem("feature", $"'{feature}' cannot drift; one of {string.Join(", ", known)}.");
            }

            var spec = new DriftSpec
            {
                Feature = feature,
                Shift = map.Fraction("shift") ?? 0,
                Scale = map.Double("scale", min: 0) ?? 1,
                Mix = map.Child("mix") is { } mix ? Weights(mix, null) : null,
                ShiftKm = map.Double("shift_km", min: 0) ?? 0,
                Over = map.Duration("over") ?? TimeSpan.Zero,
            };
            if (DriftSpec.CategoryFeatures.Contains(feature) && spec.Mix is null)
            {
                map.Problem("mix", $"'{feature}' is categorical: give a 'mix' of category weights.");
            }

            map.RejectUnknown();
            return spec;
        }

        private Dictionary<string, FaultSpec> Faults(Map map)
        {
            var faults = new Dictionary<string, FaultSpec>(StringComparer.Ordinal);
            foreach (var (key, node) in map.Entries())
            {
                if (!PortNames.Contains(key))
                {
                    map.Problem(key, $"unknown port; one of {string.Join(", ", PortNames)}.");
                    continue;
                }

                if (map.Child(key) is not { } port)
                {
                    continue;
                }

                faults[key] = new FaultSpec(
                    port.Fraction("error_rate", max: 1) ?? 0,
                    port.Fraction("latency_rate", max: 1) ?? 0,
                    (int)(port.Duration("latency")?.TotalMilliseconds ?? 0),
                    port.Fraction("drop_rate", max: 1) ?? 0);
                port.RejectUnknown();
            }

            return faults;
        }

        private List<Threshold> Thresholds(Map map)
        {
            var thresholds = new List<Threshold>();
            foreach (var (scope, _) in map.Entries())
            {
                thresholds.AddRange(map.Strings(scope) is { } texts ? texts.Select(t => ParseThreshold(map, scope, scope, t)) : []);
            }

            return thresholds;
        }

        private Threshold ParseThreshold(Map map, string scope, string key, string text)
        {
            var threshold = Threshold.Parse(scope, text, out var problem);
            if (problem is not null)
            {
                map.Problem(key, problem);
            }

            return threshold;
        }

        private GuardrailSpec Guardrails(Map map)
        {
            var spec = new GuardrailSpec
            {
                RetrainOnDrift = map.Bool("retrain_on_drift") ?? false,
                DriftFeatures = map.Strings("drift_features") ?? [],
                CanarySlo = map.Strings("canary_slo")?.Select(t => ParseThreshold(map, "challenger", "canary_slo", t)).ToList() ?? [],
                CanaryMinSamples = map.Int("canary_min_samples", min: 1) ?? 30,
                RollbackCanary = map.Bool("rollback_canary") ?? true,
            };
            map.RejectUnknown();
            return spec;
        }

        private Auction.AuctionSpec Auction(Map map)
        {
            var spec = new Auction.AuctionSpec
            {
                Lots = map.Int("lots", min: 5, max: 1000) ?? 60,
                BiddersPerPersona = map.Int("bidders_per_persona", min: 1, max: 50) ?? 2,
                Biases = map.Strings("biases")?.Select(text => ParseShare(map, "biases", text)).ToList() ?? [-0.1, 0, 0.1],
                Widths = map.Doubles("widths") ?? [0.5, 1, 2],
                Seed = map.Int("seed") ?? 11,
            };
            if (!spec.Biases.Contains(0) || !spec.Widths.Contains(1))
            {
                map.Problem("biases", "the sweep must include the unbiased model (bias 0, width 1) to compare against.");
            }

            map.RejectUnknown();
            return spec;
        }

        private static double ParseShare(Map map, string key, string text)
        {
            var percent = text.EndsWith('%');
            if (double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return percent ? value / 100 : value;
            }

            map.Problem(key, $"'{text}' is not a number or percentage.");
            return 0;
        }

        private ChallengerSetup Challenger(Map map)
        {
            var setup = new ChallengerSetup(
                map.Int("iterations", min: 1, max: 10_000) ?? 5,
                map.Int("leaves", min: 2, max: 1_000) ?? 2,
                map.Double("learning_rate", min: 1e-6) ?? 0.02);
            map.RejectUnknown();
            return setup;
        }

        private Expectations Expect(Map map)
        {
            var expect = new Expectations
            {
                Statuses = map.Ints("statuses"),
                Saw = map.Ints("saw") ?? [],
                RetryAfterOn429 = map.Bool("retry_after_on_429") ?? false,
                ProblemDetailsOnErrors = map.Bool("problem_details_on_errors") ?? false,
                InteractionsExactlyOnce = map.Bool("interactions_exactly_once") ?? false,
                RetrainingStarted = map.Bool("retraining_started") ?? false,
                NewVersionServes = map.Bool("new_version_serves") ?? false,
                CanaryRolledBack = map.Bool("canary_rolled_back") ?? false,
                Within = map.Duration("within") ?? TimeSpan.FromSeconds(60),
            };
            map.RejectUnknown();
            return expect;
        }

        private Dictionary<string, double> Weights(Map map, IReadOnlyList<string>? allowed)
        {
            var weights = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (key, _) in map.Entries())
            {
                if (allowed is not null && !allowed.Contains(key))
                {
                    map.Problem(key, $"unknown route; one of {string.Join(", ", allowed)}.");
                    continue;
                }

                if (map.Double(key, min: 0) is { } weight)
                {
                    weights[key] = weight;
                }
            }

            if (weights.Count > 0 && weights.Values.Sum() <= 0)
            {
                map.Problem("", "the weights must not all be zero.");
            }

            return weights;
        }

        public void Add(string problem) => problems.Add(problem);
    }

    /// <summary>A mapping node with its path; reads typed values and records every problem with the line it is on.</summary>
    private sealed class Map(Reader reader, YamlMappingNode node, string path)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public bool Has(string key) => Find(key) is not null;

        public IEnumerable<(string Key, YamlNode Value)> Entries()
        {
            foreach (var (key, value) in node.Children)
            {
                var name = ((YamlScalarNode)key).Value ?? "";
                _read.Add(name);
                yield return (name, value);
            }
        }

        public void Problem(string key, string problem)
        {
            var line = Find(key) is { } found ? found.Start.Line : node.Start.Line;
            reader.Add($"line {line}, {Key(key)}: {problem}");
        }

        public void RejectUnknown()
        {
            foreach (var (key, value) in node.Children)
            {
                var name = ((YamlScalarNode)key).Value ?? "";
                if (!_read.Contains(name))
                {
                    reader.Add($"line {key.Start.Line}, {Key(name)}: unknown key.");
                }
            }
        }

        public Map? Child(string key)
        {
            var value = Find(key);
            if (value is null)
            {
                return null;
            }

            if (value is YamlMappingNode mapping)
            {
                return new Map(reader, mapping, Key(key));
            }

            Problem(key, "expected a mapping (key: value lines).");
            return null;
        }

        public List<T>? List<T>(string key, bool required, Func<Map, T> read)
        {
            var value = Find(key);
            if (value is null)
            {
                if (required)
                {
                    Problem(key, "is required.");
                }

                return null;
            }

            if (value is not YamlSequenceNode sequence)
            {
                Problem(key, "expected a list ('- ' items).");
                return null;
            }

            var items = new List<T>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (sequence.Children[i] is YamlMappingNode item)
                {
                    items.Add(read(new Map(reader, item, $"{Key(key)}[{i}]")));
                }
                else
                {
                    reader.Add($"line {sequence.Children[i].Start.Line}, {Key(key)}[{i}]: expected a mapping.");
                }
            }

            return items;
        }

        public string? String(string key, bool required = false)
        {
            var value = Find(key);
            if (value is null)
            {
                if (required)
                {
                    Problem(key, "is required.");
                }

                return null;
            }

            if (value is YamlScalarNode scalar)
            {
                return scalar.Value;
            }

            Problem(key, "expected a single value.");
            return null;
        }

        public List<string>? Strings(string key)
        {
            var value = Find(key);
            switch (value)
            {
                case null:
                    return null;
                case YamlScalarNode scalar:
                    return [scalar.Value ?? ""];
                case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                    return [.. sequence.Children.Select(c => ((YamlScalarNode)c).Value ?? "")];
                default:
                    Problem(key, "expected a value or a list of values.");
                    return null;
            }
        }

        public List<double>? Doubles(string key) => Strings(key)?.Select(text => ParseNumber(key, text) ?? 0).ToList();

        public List<int>? Ints(string key) => Strings(key)?.Select(text =>
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Problem(key, $"'{text}' is not a whole number.");
            return 0;
        }).ToList();

        public double? Double(string key, double min = double.MinValue, double max = double.MaxValue)
        {
            if (String(key) is not { } text || ParseNumber(key, text) is not { } value)
            {
                return null;
            }

            if (value < min || value > max)
            {
                Problem(key, $"{text} is out of range [{(min == double.MinValue ? "-inf" : min.ToString(CultureInfo.InvariantCulture))}, "
                    + $"{(max == double.MaxValue ? "inf" : max.ToString(CultureInfo.InvariantCulture))}].");
            }

            return value;
        }

        /// <summary>A share, written <c>20%</c> or <c>0.2</c>.</summary>
        public double? Fraction(string key, double max = double.MaxValue)
        {
            if (String(key) is not { } text)
            {
                return null;
            }

            var percent = text.EndsWith('%');
            if (ParseNumber(key, percent ? text[..^1] : text) is not { } number)
            {
                return null;
            }

            var value = percent ? number / 100 : number;
            if (value > max || value < -10)
            {
                Problem(key, $"{text} is out of range (at most {max.ToString(CultureInfo.InvariantCulture)}).");
            }

            return value;
        }

        public int? Int(string key, int min = int.MinValue, int max = int.MaxValue)
        {
            if (String(key) is not { } text)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                Problem(key, $"'{text}' is not a whole number.");
                return null;
            }

            if (value < min || value > max)
            {
                Problem(key, $"{value} is out of range [{min}, {max}].");
            }

            return value;
        }

        public bool? Bool(string key)
        {
            if (String(key) is not { } text)
            {
                return null;
            }

            if (bool.TryParse(text, out var value))
            {
                return value;
            }

            Problem(key, $"'{text}' is not true or false.");
            return null;
        }

        public TimeSpan? Duration(string key, bool required = false)
        {
            if (String(key, required) is not { } text)
            {
                return null;
            }

            if (TryParseDuration(text, out var duration))
            {
                return duration;
            }

            Problem(key, $"'{text}' is not a duration; write e.g. 500ms, 10s, 2m or 1h.");
            return null;
        }

        private double? ParseNumber(string key, string text)
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }

            Problem(key, $"'{text}' is not a number.");
            return null;
        }

        private YamlNode? Find(string key)
        {
            _read.Add(key);
            return node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
        }

        private string Key(string key) => key.Length == 0 ? (path.Length == 0 ? "(root)" : path) : path.Length == 0 ? key : $"{path}.{key}";
    }
}
