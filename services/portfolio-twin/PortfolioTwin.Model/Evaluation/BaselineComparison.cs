using System.Diagnostics;
using System.Globalization;
using Platform.PortfolioTwin.Model.Baselines;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.PortfolioTwin.Model.Evaluation;

/// <summary>One method's held-out-user ranking quality on warm items and on cold-start items.</summary>
public sealed record BaselineRow(string Method, double WarmRecallAt10, double WarmNdcgAt10, double ColdRecallAt10, double ColdNdcgAt10, double FitSeconds);

public sealed record BaselineComparisonResult(IReadOnlyList<BaselineRow> Rows, TwinReport TwinReport, double EncodeSeconds, int Properties, int Users, int Interactions, int TestUsers, int ColdItems)
{
    /// <summary>What the table alone does not say: the λ EASE kept, or why it was skipped.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// Trains the twin and the baselines (most-popular, item-kNN, implicit ALS and, when asked, EASE) on the same split: 20 % of users held
/// out (folded in from their first interactions), 10 % of properties held out as cold-start items that nobody
/// touched in training. Every method is scored on the held-out test users (the half the twin's training never used
/// to choose anything). Ranking is over all candidates: warm = every non-cold property, cold = cold items only.
/// </summary>
public static class BaselineComparison
{
    public const string UncentredTwin = "portfolio-twin, uncentred fold-in";

    /// <param name="ease">EASE settings; null leaves EASE out. A market above its size limit gets a note instead of a row.</param>
    public static BaselineComparisonResult Run(TwinDataset data, TwinTrainingOptions options, double coldItemShare = 0.1, ImplicitAlsSettings? als = null, IProgress<EpochRecord>? progress = null, CancellationToken cancellationToken = default, EaseSettings? ease = null)
    {
        var index = new InteractionIndex(data);
        var split = EvaluationSplit.Create(index, options.ValidationSplit, options.Seed, coldItemShare);
        var clock = Stopwatch.StartNew();
        var twin = new TwinTrainer().Train(index, split, data.EstimatedValues, options, progress, cancellationToken);
        var twinSeconds = clock.Elapsed.TotalSeconds;
        using var model = twin.Model;

        model.EncodeProperties([.. data.Properties.Take(1000)], data.EstimatedValues); // warm-up
        clock.Restart();
        var embeddings = model.EncodeProperties(data.Properties, data.EstimatedValues);
        var encodeSeconds = clock.Elapsed.TotalSeconds;

        var rows = new List<BaselineRow>
        {
            Evaluate(new TwinScorer(embeddings, model.Metadata.CatalogCentroid, options.Weights), twinSeconds),
            // Ablation: the same model with users folded in from raw (uncentred) embeddings.
            Evaluate(new TwinScorer(embeddings, [], options.Weights, UncentredTwin), twinSeconds),
        };
        clock.Restart();
        var popular = new MostPopularRecommender(index, split);
        rows.Add(Evaluate(popular, clock.Elapsed.TotalSeconds));
        clock.Restart();
        var knn = new ItemKnnRecommender(index, split, options.Weights);
        rows.Add(Evaluate(knn, clock.Elapsed.TotalSeconds));
        clock.Restart();
        var factorisation = new ImplicitAlsRecommender(index, split, als, options.Seed, options.Weights);
        rows.Add(Evaluate(factorisation, clock.Elapsed.TotalSeconds));
        var notes = new List<string>();
        if (ease is not null)
        {
            if (ease.SkipReason(data.Properties.Count) is { } skipped)
            {
                notes.Add(skipped);
            }
            else
            {
                clock.Restart();
                using var shallow = new EaseRecommender(index, split, ease, options.Weights);
                rows.Add(Evaluate(shallow, clock.Elapsed.TotalSeconds));
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"EASE λ {shallow.Lambda:G} kept on selection users (warm NDCG@10 per λ: {string.Join(", ", shallow.Tuning.Select(t => $"{t.Lambda:G} → {t.SelectionNdcgAt10:F4}"))})"));
            }
        }

        return new BaselineComparisonResult(rows, twin.Report, encodeSeconds, data.Properties.Count, index.UserIds.Length, data.Interactions.Count, split.TestUsers.Length, split.IsCold.Count(c => c))
        {
            Notes = notes,
        };

        BaselineRow Evaluate(IUserScorer scorer, double fitSeconds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var warm = TwinEvaluator.Ranking(scorer, index, split.TestUsers, p => !split.IsCold[p]);
            var cold = TwinEvaluator.Ranking(scorer, index, split.TestUsers, p => split.IsCold[p]);
            return new BaselineRow(scorer.Name, warm.RecallAtK[10], warm.NdcgAtK[10], cold.RecallAtK[10], cold.NdcgAtK[10], fitSeconds);
        }
    }
}
