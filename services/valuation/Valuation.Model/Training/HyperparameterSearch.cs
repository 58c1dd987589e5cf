using System.Diagnostics;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Model.Training;

/// <summary>One candidate of the search with its cross-validated scores (log errors; MdAPE and PPE10 in percent).</summary>
public sealed record SearchTrial(int Index, BoostingParameters Parameters, double CvMeanAbsLogError, double CvMdApe, double CvPpe10, double Seconds);

/// <summary>
/// K-fold cross-validated random search over the boosting settings within a time budget. Each candidate is fitted once
/// per fold with its largest number of iterations; the number of iterations is then chosen by early stopping on the
/// held-out fold (the validation loss after every 10 trees), so one fit per fold scores every iteration count.
/// The candidate sequence depends only on the seed; the first candidate is always the hand-picked default.
/// </summary>
internal static class HyperparameterSearch
{
    public const int StageEvery = 10;

    public sealed record Outcome(SearchTrial Best, IReadOnlyList<SearchTrial> Trials, double[] OutOfFold, bool StoppedByBudget);

    /// <summary>Scores one candidate; null when the deadline passed before it finished (the first candidate always finishes).</summary>
    public static (SearchTrial Trial, double[] OutOfFold)? Evaluate(
        int index, BoostingParameters p, PriceTrainerKind kind, float[][] x, float[] y, int[] fold, int folds, int seed, int threads,
        int parallelism, DateTime? deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int stages = Math.Max(1, p.Iterations / StageEvery);
        var stagePredictions = new double[x.Length][];
        // Folds are fitted side by side (each fit single-threaded and seeded, so the result does not depend on the order).
        bool late = false;
        Parallel.For(0, folds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, f =>
        {
            if (deadline is { } d && DateTime.UtcNow > d) { late = true; return; }
            var train = Enumerable.Range(0, x.Length).Where(i => fold[i] != f).ToArray();
            var fitted = TreeModelFitter.Fit([.. train.Select(i => x[i])], [.. train.Select(i => y[i])], p, kind, seed, threads, contributions: false).Ensemble;
            for (int i = 0; i < x.Length; i++)
            {
                if (fold[i] != f) continue;
                stagePredictions[i] = new double[stages];
                fitted.PredictStages(x[i], StageEvery, stagePredictions[i]);
            }
        });
        if (late) return null;
        // Early stopping: the iteration count with the lowest pooled held-out loss.
        int best = 0;
        double bestLoss = double.MaxValue;
        for (int s = 0; s < stages; s++)
        {
            double loss = 0;
            for (int i = 0; i < x.Length; i++) loss += Math.Abs(stagePredictions[i][s] - y[i]);
            if (loss < bestLoss - 1e-12) { bestLoss = loss; best = s; }
        }
        var oof = new double[x.Length];
        for (int i = 0; i < x.Length; i++) oof[i] = stagePredictions[i][best];
        var chosen = p with { Iterations = Math.Min(p.Iterations, (best + 1) * StageEvery) };
        var (male, mdape, ppe10) = Score(oof, y);
        return (new SearchTrial(index, chosen, male, mdape, ppe10, clock.Elapsed.TotalSeconds), oof);
    }

    public static Outcome Run(
        BoostingParameters start, bool large, float[][] x, float[] y, int[] fold, int folds, PriceTrainingOptions o,
        IProgress<string>? progress, CancellationToken cancellationToken)
    {
        DateTime? deadline = o.TuneSeconds is { } s ? DateTime.UtcNow.AddSeconds(s) : null;
        var random = new Random(o.Seed ^ 0x7E57);
        var trials = new List<SearchTrial>();
        (SearchTrial Trial, double[] Oof)? best = null;
        bool stopped = false;
        int maxTrials = o.TuneSeconds is null ? 1 : o.TuneMaxTrials;
        for (int t = 0; t < maxTrials; t++)
        {
            var candidate = t == 0 ? start : Sample(random, large);
            var result = Evaluate(t, candidate, PriceTrainerKind.LightGbm, x, y, fold, folds, o.Seed, o.Threads, o.SearchParallelism, t == 0 ? null : deadline, cancellationToken);
            if (result is not { } r) { stopped = true; break; }
            trials.Add(r.Trial);
            progress?.Report($"search: trial {t + 1}, CV mean |log error| {r.Trial.CvMeanAbsLogError:F4} (best {Math.Min(r.Trial.CvMeanAbsLogError, best?.Trial.CvMeanAbsLogError ?? double.MaxValue):F4})");
            if (best is null || r.Trial.CvMeanAbsLogError < best.Value.Trial.CvMeanAbsLogError) best = r;
            if (deadline is { } d && DateTime.UtcNow > d) { stopped = t + 1 < maxTrials; break; }
        }
        return new Outcome(best!.Value.Trial, trials, best.Value.Oof, stopped);
    }

    /// <summary>A random candidate; iterations are an upper bound that early stopping cuts.</summary>
    private static BoostingParameters Sample(Random random, bool large)
    {
        double lr = large ? LogUniform(random, 0.04, 0.2) : LogUniform(random, 0.01, 0.1);
        // Large data: prediction cost grows with trees × depth, so at most 250 trees of up to 63 leaves.
        int[] leaves = large ? [15, 31, 63] : [4, 6, 8, 12, 16, 24, 32];
        int[] minLeaf = large ? [20, 50, 100, 200] : [2, 3, 5, 8, 12, 20, 30];
        double[] l1 = [0, 0, 0.1, 1];
        double[] l2 = [0, 0.1, 1, 5, 20];
        int maxIterations = large ? 250 : 1500;
        return new BoostingParameters
        {
            LearningRate = Math.Round(lr, 4),
            Iterations = Math.Clamp((int)Math.Ceiling(30 / lr / StageEvery) * StageEvery, 100, maxIterations),
            Leaves = leaves[random.Next(leaves.Length)],
            MinRowsPerLeaf = minLeaf[random.Next(minLeaf.Length)],
            FeatureFraction = Math.Round(0.4 + 0.6 * random.NextDouble(), 2),
            SubsampleFraction = Math.Round(0.5 + 0.5 * random.NextDouble(), 2),
            L1 = l1[random.Next(l1.Length)],
            L2 = l2[random.Next(l2.Length)],
        };
    }

    private static double LogUniform(Random random, double low, double high) => Math.Exp(Math.Log(low) + random.NextDouble() * (Math.Log(high) - Math.Log(low)));

    /// <summary>Mean |log error|, MdAPE % and PPE10 % of log1p predictions against log1p labels.</summary>
    public static (double MeanAbsLogError, double MdApe, double Ppe10) Score(IReadOnlyList<double> predicted, IReadOnlyList<float> y)
    {
        int n = predicted.Count;
        var ape = new double[n];
        double male = 0;
        int within = 0;
        for (int i = 0; i < n; i++)
        {
            male += Math.Abs(predicted[i] - y[i]);
            double actual = double.ExpM1(y[i]);
            ape[i] = Math.Abs(double.ExpM1(predicted[i]) - actual) / actual * 100;
            if (ape[i] <= 10) within++;
        }
        return (male / n, Stats.Quantile(ape, 0.5), 100.0 * within / n);
    }
}
