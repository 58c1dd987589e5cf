using System.Globalization;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>
/// Decides whether a candidate may replace the champion. The candidate must not degrade beyond the thresholds against
/// two references: the champion scored on this run's holdout (a like-for-like comparison) and the metrics recorded when the
/// champion was promoted. The second matters when the new data itself is bad: with shuffled labels every model scores
/// badly on the holdout, and a poisoned model that predicts near the average beats the champion there — but not against
/// the accuracy the champion showed on clean data.
/// A pure function of recorded results, so the workflow runs it directly (it replays deterministically).
/// </summary>
public static class PriceGate
{
    public static GateDecision Decide(PriceGateOptions options, PriceEvaluation evaluation, int trainingRows)
    {
        var reasons = new List<string>();
        if (trainingRows < options.MinRows)
        {
            reasons.Add($"trained on {trainingRows} sales, at least {options.MinRows} required");
        }

        var candidate = evaluation.Candidate;
        if (!double.IsFinite(candidate.MdApe) || !double.IsFinite(candidate.Wape))
        {
            reasons.Add("the candidate's holdout metrics are not finite");
        }

        Compare("the champion on this holdout", evaluation.ChampionOnHoldout);
        Compare("the champion's recorded metrics", evaluation.ChampionRecorded);
        return new GateDecision(reasons.Count == 0, reasons);

        void Compare(string against, PriceScore? reference)
        {
            if (reference is null)
            {
                return;
            }

            Check("MdAPE", candidate.MdApe, reference.MdApe, options.MaxMdApeDegradation, against);
            Check("WAPE", candidate.Wape, reference.Wape, options.MaxWapeDegradation, against);
            if (reference.SegmentMdApe.TryGetValue(evaluation.KeySegment, out var segmentReference)
                && candidate.SegmentMdApe.TryGetValue(evaluation.KeySegment, out var segmentCandidate))
            {
                Check($"MdAPE of key segment '{evaluation.KeySegment}'", segmentCandidate, segmentReference, options.MaxKeySegmentDegradation, against);
            }
        }

        void Check(string metric, double value, double reference, double maxDegradation, string against)
        {
            var limit = reference * (1 + maxDegradation);
            if (!(value <= limit))
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{metric} {value:F2} % is worse than {against} ({reference:F2} %) by more than {maxDegradation:P0} (limit {limit:F2} %)"));
            }
        }
    }
}
