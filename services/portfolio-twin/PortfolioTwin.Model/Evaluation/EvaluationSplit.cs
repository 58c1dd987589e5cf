using Platform.PortfolioTwin.Model.Data;

namespace Platform.PortfolioTwin.Model.Evaluation;

/// <summary>A held-out user: the first signals fold an embedding in, the rest are what the model must find.</summary>
public sealed record HeldOutUser(int User, UserSignal[] FoldIn, UserSignal[] Target);

/// <summary>
/// Splits users into training users and held-out users (never seen in training). Optionally a share of properties
/// becomes cold-start items: every interaction with them is removed from training and fold-in, so a model must
/// score them from their features alone.
/// </summary>
public sealed class EvaluationSplit
{
    private EvaluationSplit(int[] trainUsers, HeldOutUser[] heldOut, bool[] isCold)
    {
        TrainUsers = trainUsers;
        HeldOut = heldOut;
        IsCold = isCold;
        SelectionUsers = [.. heldOut.Where((_, i) => i % 2 == 0)];
        TestUsers = heldOut.Length > 1 ? [.. heldOut.Where((_, i) => i % 2 == 1)] : SelectionUsers;
    }

    public int[] TrainUsers { get; }
    public HeldOutUser[] HeldOut { get; }
    /// <summary>Half of the held-out users: they pick the decision threshold and the best epoch.</summary>
    public HeldOutUser[] SelectionUsers { get; }
    /// <summary>The other half, never used for a choice: reported metrics and baseline comparisons come from them.</summary>
    public HeldOutUser[] TestUsers { get; }
    /// <summary>Per property: true when it is a cold-start item (no interactions in training).</summary>
    public bool[] IsCold { get; }

    /// <summary>Training signals of a training user (cold items removed).</summary>
    public UserSignal[] TrainSignals(InteractionIndex index, int user) =>
        [.. index.Signals[user].Where(s => !IsCold[s.Property])];

    public static EvaluationSplit Create(InteractionIndex index, double validationShare, int seed, double coldItemShare = 0, double foldInShare = 0.5)
    {
        if (validationShare is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationShare), validationShare, "validation share must be within [0, 1).");
        if (coldItemShare is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(coldItemShare), coldItemShare, "cold item share must be within [0, 1).");

        var random = new Random(seed);
        var isCold = new bool[index.Properties.Count];
        if (coldItemShare > 0)
        {
            for (var p = 0; p < isCold.Length; p++) isCold[p] = random.NextDouble() < coldItemShare;
        }

        var order = Enumerable.Range(0, index.UserIds.Length).ToArray();
        random.Shuffle(order);
        var heldOutCount = (int)Math.Round(order.Length * validationShare);
        var heldOut = new List<HeldOutUser>();
        var train = new List<int>();
        for (var i = 0; i < order.Length; i++)
        {
            var user = order[i];
            var signals = index.Signals[user];
            if (i < heldOutCount && signals.Length >= 2)
            {
                var foldInCount = Math.Clamp((int)Math.Round(signals.Length * foldInShare), 1, signals.Length - 1);
                var foldIn = signals.Take(foldInCount).Where(s => !isCold[s.Property]).ToArray();
                heldOut.Add(new HeldOutUser(user, foldIn, signals[foldInCount..]));
            }
            else
            {
                train.Add(user);
            }
        }
        train.Sort();
        heldOut.Sort((a, b) => a.User.CompareTo(b.User));
        return new EvaluationSplit([.. train], [.. heldOut], isCold);
    }
}
