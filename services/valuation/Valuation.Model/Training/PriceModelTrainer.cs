using System.Diagnostics;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Features;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Model.Training;

/// <summary>
/// Trains a <see cref="PriceModel"/>: a calibration split sets the conformal interval width, then the model is
/// refitted on all rows. Deterministic for a given seed and thread count.
/// </summary>
public static class PriceModelTrainer
{
    public static PriceModel Train(
        IReadOnlyList<SaleRecord> rows, DatasetSchema schema, PriceTrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PriceTrainingOptions();
        options.Validate();
        CheckTrainable(rows, schema, options.TuneFolds);
        var clock = Stopwatch.StartNew();
        void Report(string phase, int n) => progress?.Report(new TrainingProgress(phase, n, clock.Elapsed));
        var encoderOptions = options.Encoder with { Seed = options.Seed, Folds = options.TuneFolds };

        // Small data: every sale trains the final model and the conformal scores come from out-of-fold predictions.
        // Large data: a holdout calibrates the intervals (split conformal, exact) and the rest trains the model.
        bool large = rows.Count >= options.RefitBelowRows;
        IReadOnlyList<SaleRecord> fitRows = rows;
        List<SaleRecord>? calibration = null;
        if (large)
        {
            var order = Enumerable.Range(0, rows.Count).ToArray();
            new Random(options.Seed ^ 0x5EED).Shuffle(order);
            int nCal = Math.Clamp((int)Math.Round(rows.Count * options.CalibrationFraction), 5, Math.Max(5, Math.Min(options.MaxCalibrationRows, rows.Count / 2)));
            calibration = [.. order.Take(nCal).Order().Select(i => rows[i])];
            fitRows = [.. order.Skip(nCal).Order().Select(i => rows[i])];
        }
        Report("encode features", fitRows.Count);
        var (encoder, features) = FeatureEncoder.FitTransform(fitRows, schema, encoderOptions);
        var y = fitRows.Select(r => (float)double.LogP1(r.Price)).ToArray();
        cancellationToken.ThrowIfCancellationRequested();

        // The search rows (a seeded sample of large data) keep the encoder's folds, so a held-out sale's price-based
        // features were computed from the other folds only.
        var encoderFold = FeatureEncoder.AssignFolds(fitRows.Count, encoderOptions.Folds, encoderOptions.Seed);
        var search = Enumerable.Range(0, fitRows.Count).ToArray();
        if (search.Length > options.SearchMaxRows)
        {
            new Random(options.Seed ^ 0xC0DE).Shuffle(search);
            search = [.. search.Take(options.SearchMaxRows).Order()];
        }
        var sx = search.Select(i => features[i]).ToArray();
        var sy = search.Select(i => y[i]).ToArray();
        var fold = search.Select(i => encoderFold[i]).ToArray();
        int folds = encoderOptions.Folds;

        var start = BoostingParameters.From(options);
        if (features.Length >= options.LargeDataRows) start = TreeModelFitter.ForLargeData(start);
        Report(options.TuneSeconds is { } budget ? $"search: {budget:0.#} s budget, {folds}-fold CV" : "search: default settings only", sx.Length);
        var searchClock = Stopwatch.StartNew();
        var outcome = HyperparameterSearch.Run(start, large, sx, sy, fold, folds, options, new InlineProgress(m => Report(m, sx.Length)), cancellationToken);
        var chosen = outcome.Best.Parameters;

        // Blend candidates, each scored out of fold on the search rows.
        var names = new List<string> { "LightGbm" };
        var oof = new List<double[]> { outcome.OutOfFold };
        var parameters = new List<Dictionary<string, double>> { chosen.Describe() };
        BoostingParameters? fastTree = null;
        RidgeFitter.Layout? ridgeLayout = null;
        double ridgePenalty = 0;
        if (options.Ensemble)
        {
            if (features.Length < options.LargeDataRows)
            {
                Report("blend: FastTree out of fold", sx.Length);
                var ft = HyperparameterSearch.Evaluate(-1, chosen with { Iterations = Math.Min(3 * chosen.Iterations / 2, 1500) },
                    PriceTrainerKind.FastTree, sx, sy, fold, folds, options.Seed, options.Threads, options.SearchParallelism, null, cancellationToken)!.Value;
                fastTree = ft.Trial.Parameters;
                names.Add("FastTree");
                oof.Add(ft.OutOfFold);
                parameters.Add(fastTree.Describe());
            }

            Report("blend: ridge out of fold", sx.Length);
            ridgeLayout = RidgeFitter.Choose(sx, encoder.SlotNames);
            var ridgeOof = RidgeFitter.Penalties.Select(_ => new double[sx.Length]).ToArray();
            for (int f = 0; f < folds; f++)
            {
                var models = RidgeFitter.Fit(sx, sy, [.. Enumerable.Range(0, sx.Length).Where(i => fold[i] != f)], ridgeLayout, RidgeFitter.Penalties);
                for (int i = 0; i < sx.Length; i++)
                    if (fold[i] == f) for (int m = 0; m < models.Length; m++) ridgeOof[m][i] = models[m].Predict(sx[i]);
            }
            int bestPenalty = Enumerable.Range(0, ridgeOof.Length).MinBy(m => HyperparameterSearch.Score(ridgeOof[m], sy).MeanAbsLogError);
            ridgePenalty = RidgeFitter.Penalties[bestPenalty];
            names.Add("Ridge");
            oof.Add(ridgeOof[bestPenalty]);
            parameters.Add(new Dictionary<string, double> { ["penalty_per_row"] = ridgePenalty, ["slots"] = ridgeLayout.Slots.Length });
        }
        var scores = oof.Select(o => HyperparameterSearch.Score(o, sy)).ToArray();
        int bestSingle = Enumerable.Range(0, oof.Count).MinBy(k => scores[k].MeanAbsLogError);
        var weights = new double[oof.Count];
        weights[bestSingle] = 1;
        double[] servingOof = oof[bestSingle];
        BlendMemberScore? blendScore = null;
        bool blendKept = false;
        if (oof.Count > 1)
        {
            var cvBlend = BlendFitter.CrossValidate(oof, sy, fold, folds);
            var b = HyperparameterSearch.Score(cvBlend, sy);
            var fitted = BlendFitter.Fit(oof, sy, [.. Enumerable.Range(0, sy.Length)]);
            blendScore = new BlendMemberScore("Blend", 1, b.MeanAbsLogError, b.MdApe, b.Ppe10, []);
            if (b.MeanAbsLogError < scores[bestSingle].MeanAbsLogError && fitted.Count(w => w > 0) > 1)
            {
                blendKept = true;
                weights = fitted;
                servingOof = cvBlend;
            }
        }
        var memberScores = names.Select((n, k) => new BlendMemberScore(n, weights[k], scores[k].MeanAbsLogError, scores[k].MdApe, scores[k].Ppe10, parameters[k])).ToList();
        double searchSeconds = searchClock.Elapsed.TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();

        // Final members on all fitting rows.
        Report("final: fit LightGBM trees", fitRows.Count);
        var lightGbm = TreeModelFitter.Fit(features, y, chosen, PriceTrainerKind.LightGbm, options.Seed, options.Threads, saveMlNet: true);
        var members = new List<BlendMember>();
        for (int k = 0; k < names.Count; k++)
        {
            if (weights[k] <= 0) continue;
            cancellationToken.ThrowIfCancellationRequested();
            if (names[k] != "LightGbm") Report($"final: fit {names[k]}", fitRows.Count);
            members.Add(names[k] switch
            {
                "LightGbm" => new BlendMember { Name = names[k], Weight = weights[k], Trees = lightGbm.Ensemble },
                "FastTree" => new BlendMember
                {
                    Name = names[k],
                    Weight = weights[k],
                    Trees = TreeModelFitter.Fit(features, y, fastTree!, PriceTrainerKind.FastTree, options.Seed, options.Threads).Ensemble,
                },
                _ => new BlendMember
                {
                    Name = names[k],
                    Weight = weights[k],
                    Linear = RidgeFitter.Fit(features, y, [.. Enumerable.Range(0, features.Length)], ridgeLayout!, [ridgePenalty])[0],
                },
            });
        }
        double Serve(ReadOnlySpan<float> x)
        {
            double f = 0;
            foreach (var m in members) f += m.Weight * m.Predict(x);
            return f;
        }

        // Intervals: the difficulty model learns |out-of-fold log error| from the slots and the estimate.
        Report("intervals: calibrate", sx.Length);
        var residual = new double[sx.Length];
        for (int i = 0; i < sx.Length; i++) residual[i] = Math.Abs(sy[i] - servingOof[i]);
        var extended = sx.Select((x, i) => Extend(x, servingOof[i])).ToArray();
        double meanAbs = residual.Average();
        var difficultyParameters = new BoostingParameters
        {
            Iterations = 100,
            Leaves = 7,
            MinRowsPerLeaf = Math.Max(20, sx.Length / 25),
            LearningRate = 0.05,
            FeatureFraction = 0.8,
            SubsampleFraction = 0.8,
            L2 = 10,
        };
        var labels = residual.Select(r => (float)r).ToArray();
        var predictedError = new double[sx.Length];
        Parallel.For(0, folds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.SearchParallelism) }, f =>
        {
            var train = Enumerable.Range(0, sx.Length).Where(i => fold[i] != f).ToArray();
            var d = TreeModelFitter.Fit([.. train.Select(i => extended[i])], [.. train.Select(i => labels[i])], difficultyParameters,
                PriceTrainerKind.LightGbm, options.Seed, options.Threads, contributions: false).Ensemble;
            for (int i = 0; i < sx.Length; i++) if (fold[i] == f) predictedError[i] = d.Predict(extended[i]);
        });
        var difficulty = TreeModelFitter.Fit(extended, labels, difficultyParameters, PriceTrainerKind.LightGbm, options.Seed, options.Threads, contributions: false).Ensemble;
        double floor = 0.25 * meanAbs;
        double level = options.IntervalLevel;
        // The share of the difficulty model in the scale, chosen by the interval score (width plus 2/α times each miss,
        // in log space): a proper score, so it rewards intervals that cover hard and easy estimates alike rather than
        // the narrowest average width, which would give up on the hard ones.
        double shrink = 0;
        if (options.AdaptiveIntervals)
        {
            double bestScore = double.MaxValue, alpha = 1 - level;
            foreach (double candidate in new[] { 0, 0.25, 0.5, 0.75, 1 })
            {
                var sigma = predictedError.Select(d => candidate * Math.Max(d, floor) + (1 - candidate) * meanAbs).ToArray();
                double q = Quantile(residual.Select((r, i) => r / sigma[i]).ToArray(), level, conservative: false);
                double score = residual.Select((r, i) => 2 * q * sigma[i] + 2 / alpha * Math.Max(0, r - q * sigma[i])).Average();
                if (score < bestScore - 1e-12) { bestScore = score; shrink = candidate; }
            }
        }
        var interval = new AdaptiveInterval { Difficulty = difficulty, Shrink = shrink, MeanAbsError = meanAbs, Floor = floor, Scale = 0 };
        double scale, flat;
        int calibrationRows;
        if (calibration is null)
        {
            // Scores from out-of-fold predictions; the refitted model errs a little less than the fold models, which
            // already errs on the wide side, so the plain empirical quantile is used.
            scale = Quantile(residual.Select((r, i) => r / interval.Sigma(predictedError[i])).ToArray(), level, conservative: false);
            flat = Quantile(residual, level, conservative: false);
            calibrationRows = residual.Length;
        }
        else
        {
            var calScores = new double[calibration.Count];
            var calResiduals = new double[calibration.Count];
            var buffer = new float[encoder.Width + 1];
            for (int i = 0; i < calibration.Count; i++)
            {
                encoder.Encode(calibration[i], buffer.AsSpan(0, encoder.Width));
                double f = Serve(buffer);
                buffer[encoder.Width] = (float)f;
                calResiduals[i] = Math.Abs(double.LogP1(calibration[i].Price) - f);
                calScores[i] = calResiduals[i] / interval.Sigma(difficulty.Predict(buffer));
            }
            scale = Quantile(calScores, level, conservative: true);
            flat = Quantile(calResiduals, level, conservative: true);
            calibrationRows = calibration.Count;
        }
        interval = interval with { Scale = scale };
        Report("final: summarise training data", rows.Count);

        bool single = members is [{ Name: "LightGbm" }];
        var summary = new PriceTrainingSummary
        {
            TuneSeconds = options.TuneSeconds,
            SearchSeconds = Math.Round(searchSeconds, 3),
            SearchRows = sx.Length,
            SearchFolds = folds,
            StoppedByBudget = outcome.StoppedByBudget,
            Chosen = chosen,
            Trials = outcome.Trials,
            Members = memberScores,
            Blend = blendScore,
            BlendKept = blendKept,
            IntervalMethod = options.AdaptiveIntervals ? "adaptive" : "flat",
            IntervalShrink = shrink,
            CalibrationSource = calibration is null ? "out-of-fold" : "holdout",
            CalibrationRows = calibrationRows,
        };
        var state = new PriceModelState
        {
            Trainer = single ? "LightGbm" : string.Join('+', members.Select(m => FormattableString.Invariant($"{m.Name}:{m.Weight:0.##}"))),
            IntervalLevel = options.IntervalLevel,
            IntervalLogHalfWidth = flat,
            TrainingRows = rows.Count,
            Encoder = encoder.State,
            Ensemble = lightGbm.Ensemble,
            Members = single ? null : [.. members],
            Interval = options.AdaptiveIntervals ? interval : null,
            Training = summary,
            Comparables = ComparablesIndex.Build(rows),
            Ranges = [.. schema.Numeric.Select((name, j) => Range(name, [.. rows.Select(r => r.Numeric[j])]))],
            GeoRanges = schema.HasGeo
                ? [Range(schema.Latitude!, [.. rows.Select(r => r.Latitude)]), Range(schema.Longitude!, [.. rows.Select(r => r.Longitude)])]
                : null,
            PriceDeciles = Deciles([.. rows.Select(r => r.Price)]),
            CategoryShares = [.. schema.Categorical.Select((_, j) => rows
                .GroupBy(r => r.Categorical[j] ?? "(missing)", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (double)g.Count() / rows.Count, StringComparer.Ordinal))],
            FeatureImportance = [],
        };
        var model = new PriceModel(state, lightGbm.MlNetModel);
        state = state with { FeatureImportance = Importance(model, encoder, features) };
        Report("done", rows.Count);
        return new PriceModel(state, lightGbm.MlNetModel);
    }

    /// <summary>
    /// Refuses data that cannot be trained on before any work starts: too few sales for the folds, or a constant price.
    /// </summary>
    public static void CheckTrainable(IReadOnlyList<SaleRecord> rows, DatasetSchema schema, int folds)
    {
        int needed = MinimumRows(folds);
        if (rows.Count < needed)
            throw new ArgumentException($"need at least {needed} training sales for {folds}-fold cross-validation, got {rows.Count}", nameof(rows));
        double first = rows[0].Price;
        if (rows.All(r => r.Price == first))
            throw new ArgumentException($"target column '{schema.Target}' is constant ({first}) in all {rows.Count} training sales: nothing to learn", nameof(rows));
    }

    /// <summary>Fewest sales training accepts: ten, and at least four per fold of the inner cross-validation.</summary>
    public static int MinimumRows(int folds) => Math.Max(10, 4 * folds);

    private static float[] Extend(float[] x, double estimate)
    {
        var e = new float[x.Length + 1];
        x.CopyTo(e, 0);
        e[x.Length] = (float)estimate;
        return e;
    }

    /// <summary>The ceil(n·level)-th (or, conservative, the ceil((n+1)·level)-th) smallest value.</summary>
    private static double Quantile(double[] values, double level, bool conservative)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int rank = Math.Clamp((int)Math.Ceiling((conservative ? sorted.Length + 1 : sorted.Length) * level), 1, sorted.Length);
        return sorted[rank - 1];
    }

    private sealed class InlineProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    private static FeatureRange Range(string name, double[] values)
    {
        var present = values.Where(double.IsFinite).ToArray();
        return new FeatureRange(name,
            present.Length > 0 ? present.Min() : double.NaN,
            present.Length > 0 ? present.Max() : double.NaN,
            Deciles(present),
            1 - (double)present.Length / values.Length);
    }

    private static double[] Deciles(double[] values)
    {
        if (values.Length == 0) return [];
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return [.. Enumerable.Range(0, 11).Select(q => Stats.SortedQuantile(sorted, q / 10.0))];
    }

    /// <summary>Mean |contribution| per feature group over (up to 2,000 evenly spaced) training rows.</summary>
    private static Dictionary<string, double> Importance(PriceModel model, FeatureEncoder encoder, float[][] features)
    {
        var groups = encoder.GroupNames.ToList();
        var slotGroup = encoder.SlotGroups.Select(g => groups.IndexOf(g)).ToArray();
        var total = new double[groups.Count];
        var slots = new double[encoder.Width];
        var perGroup = new double[groups.Count];
        int sample = Math.Min(features.Length, 2000);
        for (int s = 0; s < sample; s++)
        {
            Array.Clear(slots);
            Array.Clear(perGroup);
            model.ScoreWithContributions(features[(int)((long)s * features.Length / sample)], slots);
            for (int i = 0; i < slots.Length; i++) perGroup[slotGroup[i]] += slots[i];
            for (int g = 0; g < groups.Count; g++) total[g] += Math.Abs(perGroup[g]);
        }
        return groups.Select((g, i) => (g, v: total[i] / sample)).OrderByDescending(t => t.v)
            .ToDictionary(t => t.g, t => t.v);
    }
}
