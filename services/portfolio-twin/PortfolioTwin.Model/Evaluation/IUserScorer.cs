using Platform.PortfolioTwin.Model.Data;

namespace Platform.PortfolioTwin.Model.Evaluation;

/// <summary>Anything that scores every property for a user known only by a history (the twin and the baselines).</summary>
public interface IUserScorer
{
    string Name { get; }

    /// <summary>Writes one score per property (index order of the <see cref="InteractionIndex"/>) into <paramref name="scores"/>.</summary>
    void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores);
}
