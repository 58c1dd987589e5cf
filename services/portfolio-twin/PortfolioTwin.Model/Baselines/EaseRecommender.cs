using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.PortfolioTwin.Model.Baselines;

/// <summary>EASE settings: the L2 strengths λ tried (the one ranking selection users best is kept) and the largest market it runs on.</summary>
public sealed record EaseSettings
{
    public IReadOnlyList<double> Lambdas { get; init; } = [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000];

    /// <summary>Markets with more properties are skipped: EASE's item×item model is dense in the number of properties.</summary>
    public int MaxProperties { get; init; } = 10_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Lambdas.Count == 0) throw new ArgumentException("EASE needs at least one λ to try.", nameof(Lambdas));
        if (Lambdas.Any(l => !(l > 0) || !double.IsFinite(l))) throw new ArgumentException($"EASE λ must be positive and finite (got {string.Join(", ", Lambdas)}).", nameof(Lambdas));
        if (MaxProperties < 1) throw new ArgumentException($"EASE max properties must be at least 1 (got {MaxProperties}).", nameof(MaxProperties));
    }

    /// <summary>Why EASE does not run on a market of <paramref name="properties"/> properties, or null when it does.</summary>
    public string? SkipReason(int properties) => properties > MaxProperties
        ? $"EASE skipped: {properties:N0} properties exceed its limit of {MaxProperties:N0} (a dense {properties:N0}² item model)"
        : null;
}

/// <summary>
/// Baseline: EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"), a linear item-item model in closed form:
/// B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, so diag(B) = 0 and a user's scores are x·B. X holds the training
/// users' positive signals weighted by <see cref="InteractionWeights"/>; dislikes and cold items are left out, so
/// properties nobody touched in training score 0 (EASE, like ALS, cannot recommend a cold item).
/// <para>
/// P is taken through the Woodbury identity, P = (I − Xᵀ(XXᵀ + λI)⁻¹X)/λ, which inverts a users×users matrix instead of
/// properties×properties and gives the same B without materialising it: x·B = x − (x·P) ⊙ 1/diag(P). λ is tuned on the
/// split's selection users (NDCG@10 over warm candidates); the test users stay unseen.
/// </para>
/// </summary>
public sealed class EaseRecommender : IUserScorer, IDisposable
{
    private readonly InteractionWeights _weights;
    private readonly Tensor _x;
    private readonly int _properties;
    private readonly Tensor _solution;
    private readonly Tensor _inverseDiagonal;

    public EaseRecommender(InteractionIndex index, EvaluationSplit split, EaseSettings? settings = null, InteractionWeights? weights = null)
    {
        settings ??= new EaseSettings();
        settings.Validate();
        if (settings.SkipReason(index.Properties.Count) is { } reason) throw new ArgumentException(reason, nameof(index));
        _weights = weights ?? InteractionWeights.Default;
        _properties = index.Properties.Count;
        var users = split.TrainUsers.Length;
        var x = new double[users * _properties];
        for (var u = 0; u < users; u++)
        {
            foreach (var s in index.Signals[split.TrainUsers[u]])
            {
                if (s.IsPositive && !split.IsCold[s.Property]) x[u * _properties + s.Property] = _weights.Of(s.Kind);
            }
        }

        _x = torch.tensor(x, [users, _properties], ScalarType.Float64);
        using var gram = _x.mm(_x.t());
        var tuning = new List<(double, double)>();
        (double Lambda, double Ndcg, Tensor Solution, Tensor InverseDiagonal)? best = null;
        foreach (var lambda in settings.Lambdas)
        {
            var (solution, inverseDiagonal) = Solve(gram, lambda);
            Lambda = lambda;
            _solution = solution;
            _inverseDiagonal = inverseDiagonal;
            var ndcg = TwinEvaluator.Ranking(this, index, split.SelectionUsers, p => !split.IsCold[p]).NdcgAtK[10];
            tuning.Add((lambda, ndcg));
            if (best is null || ndcg > best.Value.Ndcg)
            {
                if (best is { } previous)
                {
                    previous.Solution.Dispose();
                    previous.InverseDiagonal.Dispose();
                }
                best = (lambda, ndcg, solution, inverseDiagonal);
            }
            else
            {
                solution.Dispose();
                inverseDiagonal.Dispose();
            }
        }

        (Lambda, _, _solution, _inverseDiagonal) = best!.Value;
        Tuning = tuning;
    }

    public string Name => "ease";

    /// <summary>The λ kept: the one whose model ranked the selection users best.</summary>
    public double Lambda { get; }

    /// <summary>Each λ tried with the selection users' warm NDCG@10 it reached.</summary>
    public IReadOnlyList<(double Lambda, double SelectionNdcgAt10)> Tuning { get; }

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
    {
        var x = new double[_properties];
        foreach (var s in history)
        {
            if (s.IsPositive) x[s.Property] = _weights.Of(s.Kind);
        }

        using var scope = torch.NewDisposeScope();
        var user = torch.tensor(x, [1, _properties], ScalarType.Float64);
        // x·P = (x − (x·Xᵀ(XXᵀ + λI)⁻¹)·X)/λ, with (XXᵀ + λI)⁻¹X the stored solution (symmetric inverse).
        var times = (user - user.mm(_solution.t()).mm(_x)) / Lambda;
        var result = (user - times * _inverseDiagonal).data<double>();
        for (var p = 0; p < scores.Length; p++) scores[p] = (float)result[p];
    }

    public void Dispose()
    {
        _x.Dispose();
        _solution.Dispose();
        _inverseDiagonal.Dispose();
    }

    /// <summary>(XXᵀ + λI)⁻¹X and 1/diag(P), where diag(P)ⱼ = (1 − Σᵤ Xᵤⱼ·[(XXᵀ + λI)⁻¹X]ᵤⱼ)/λ.</summary>
    private (Tensor Solution, Tensor InverseDiagonal) Solve(Tensor gram, double lambda)
    {
        using var scope = torch.NewDisposeScope();
        var regularised = gram + lambda * torch.eye(gram.shape[0], dtype: ScalarType.Float64);
        var solution = torch.linalg.solve(regularised, _x);
        var diagonal = (1 - (_x * solution).sum(0, keepdim: true)) / lambda;
        return (solution.MoveToOuterDisposeScope(), diagonal.reciprocal().MoveToOuterDisposeScope());
    }
}
