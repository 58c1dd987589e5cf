using Platform.PortfolioTwin.Model.Data;

namespace Platform.PortfolioTwin.Model.Evaluation;

/// <summary>
/// Scores held-out users. Ranking metrics rank every candidate property (not a sample); classification metrics
/// use the user's later likes/outreach/deals as positives and their dislikes plus as many random untouched
/// properties as negatives.
/// </summary>
public static class TwinEvaluator
{
    public static RankingMetrics Ranking(IUserScorer scorer, InteractionIndex index, IReadOnlyList<HeldOutUser> users, Func<int, bool>? isCandidate = null, IReadOnlyList<int>? ks = null)
    {
        ks ??= RankingMetrics.DefaultKs;
        var maxK = ks.Max();
        var precision = ks.ToDictionary(k => k, _ => 0.0);
        var recall = ks.ToDictionary(k => k, _ => 0.0);
        var ndcg = ks.ToDictionary(k => k, _ => 0.0);
        var scores = new float[index.Properties.Count];
        var evaluated = 0;
        foreach (var user in users)
        {
            var relevant = user.Target.Where(s => s.IsRelevant && (isCandidate?.Invoke(s.Property) ?? true)).Select(s => s.Property).ToHashSet();
            if (relevant.Count == 0) continue;
            var excluded = user.FoldIn.Select(s => s.Property).ToHashSet();
            scorer.Score(user.FoldIn, index.SegmentOf(user.User), scores);
            var top = TopK(scores, maxK, p => !excluded.Contains(p) && (isCandidate?.Invoke(p) ?? true));
            foreach (var k in ks)
            {
                var hits = 0;
                double dcg = 0;
                for (var r = 0; r < Math.Min(k, top.Length); r++)
                {
                    if (!relevant.Contains(top[r])) continue;
                    hits++;
                    dcg += 1 / Math.Log2(r + 2);
                }
                double ideal = 0;
                for (var r = 0; r < Math.Min(k, relevant.Count); r++) ideal += 1 / Math.Log2(r + 2);
                precision[k] += (double)hits / k;
                recall[k] += (double)hits / relevant.Count;
                ndcg[k] += dcg / ideal;
            }
            evaluated++;
        }
        var n = Math.Max(1, evaluated);
        return new RankingMetrics(
            ks.ToDictionary(k => k, k => precision[k] / n),
            ks.ToDictionary(k => k, k => recall[k] / n),
            ks.ToDictionary(k => k, k => ndcg[k] / n),
            evaluated);
    }

    /// <summary>Classification pairs of held-out users: (score, label). Deterministic for a seed.</summary>
    public static List<(float Score, bool Label)> Pairs(IUserScorer scorer, InteractionIndex index, IReadOnlyList<HeldOutUser> users, int seed)
    {
        var random = new Random(seed);
        var scores = new float[index.Properties.Count];
        var pairs = new List<(float, bool)>();
        foreach (var user in users)
        {
            var positives = user.Target.Where(s => s.IsRelevant).Select(s => s.Property).ToArray();
            if (positives.Length == 0) continue;
            scorer.Score(user.FoldIn, index.SegmentOf(user.User), scores);
            var touched = index.Signals[user.User].Select(s => s.Property).ToHashSet();
            foreach (var p in positives) pairs.Add((scores[p], true));
            foreach (var s in user.Target.Where(s => s.Kind == MarketData.Domain.InteractionKind.Dislike)) pairs.Add((scores[s.Property], false));
            var sampled = 0;
            for (var attempt = 0; sampled < positives.Length && attempt < positives.Length * 20; attempt++)
            {
                var p = random.Next(scores.Length);
                if (touched.Contains(p)) continue;
                pairs.Add((scores[p], false));
                sampled++;
            }
        }
        return pairs;
    }

    public static ClassificationMetrics Classification(IReadOnlyList<(float Score, bool Label)> pairs, double threshold)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        foreach (var (score, label) in pairs)
        {
            var predicted = score >= threshold;
            if (predicted && label) tp++;
            else if (predicted) fp++;
            else if (label) fn++;
            else tn++;
        }
        var precision = tp + fp > 0 ? (double)tp / (tp + fp) : 0;
        var recall = tp + fn > 0 ? (double)tp / (tp + fn) : 0;
        var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        var accuracy = pairs.Count > 0 ? (double)(tp + tn) / pairs.Count : 0;
        return new ClassificationMetrics(accuracy, precision, recall, f1, Auc(pairs), pairs.Count);
    }

    /// <summary>The threshold with the best F1 on <paramref name="pairs"/> (used on calibration users only).</summary>
    public static double BestThreshold(IReadOnlyList<(float Score, bool Label)> pairs)
    {
        if (pairs.Count == 0) return 0.5;
        var sorted = pairs.OrderByDescending(p => p.Score).ToArray();
        var totalPositives = sorted.Count(p => p.Label);
        int tp = 0, fp = 0;
        double bestF1 = -1, best = sorted[0].Score;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Label) tp++; else fp++;
            if (i + 1 < sorted.Length && sorted[i + 1].Score == sorted[i].Score) continue;
            var precision = (double)tp / (tp + fp);
            var recall = totalPositives > 0 ? (double)tp / totalPositives : 0;
            var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            if (f1 > bestF1) (bestF1, best) = (f1, sorted[i].Score);
        }
        return best;
    }

    /// <summary>
    /// The ROC curve from (0, 0) to (1, 1): one point per distinct score, best first (tied scores move together, so the
    /// trapezoids under it add up to <see cref="Auc"/>), thinned to at most <paramref name="maxPoints"/> evenly spaced points.
    /// </summary>
    public static IReadOnlyList<RocPoint> RocCurve(IReadOnlyList<(float Score, bool Label)> pairs, int maxPoints = 101)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        var sorted = pairs.OrderByDescending(p => p.Score).ToArray();
        var positives = sorted.Count(p => p.Label);
        var negatives = sorted.Length - positives;
        var curve = new List<RocPoint> { new(null, 0, 0) };
        if (positives == 0 || negatives == 0)
        {
            curve.Add(new RocPoint(null, 1, 1));
            return curve;
        }

        int tp = 0, fp = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Label) tp++; else fp++;
            if (i + 1 < sorted.Length && sorted[i + 1].Score == sorted[i].Score) continue;
            curve.Add(new RocPoint(sorted[i].Score, (double)fp / negatives, (double)tp / positives));
        }

        if (curve.Count <= maxPoints) return curve;
        var step = (curve.Count - 1) / (double)(maxPoints - 1);
        return [.. Enumerable.Range(0, maxPoints).Select(i => curve[(int)Math.Round(i * step)])];
    }

    /// <summary>Area under the ROC curve by the rank-sum (Mann–Whitney) formula, ties counted half.</summary>
    public static double Auc(IReadOnlyList<(float Score, bool Label)> pairs)
    {
        var sorted = pairs.OrderBy(p => p.Score).ToArray();
        double rankSum = 0;
        long positives = 0;
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j < sorted.Length && sorted[j].Score == sorted[i].Score) j++;
            var averageRank = (i + 1 + j) / 2.0;
            for (var t = i; t < j; t++)
            {
                if (sorted[t].Label) { rankSum += averageRank; positives++; }
            }
            i = j;
        }
        long negatives = sorted.Length - positives;
        if (positives == 0 || negatives == 0) return 0.5;
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Indices of the <paramref name="k"/> highest scores among allowed properties, best first; ties by index.</summary>
    public static int[] TopK(ReadOnlySpan<float> scores, int k, Func<int, bool> allowed)
    {
        var heap = new PriorityQueue<int, (float Score, int Index)>(k + 1, Comparer<(float Score, int Index)>.Create((a, b) =>
            a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Index.CompareTo(a.Index)));
        for (var p = 0; p < scores.Length; p++)
        {
            if (!allowed(p)) continue;
            var score = float.IsNaN(scores[p]) ? float.NegativeInfinity : scores[p];
            if (heap.Count < k) heap.Enqueue(p, (score, p));
            else if (heap.TryPeek(out _, out var worst) && (score > worst.Score || (score == worst.Score && p < worst.Index)))
            {
                heap.DequeueEnqueue(p, (score, p));
            }
        }
        var result = new int[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--) result[i] = heap.Dequeue();
        return result;
    }
}
