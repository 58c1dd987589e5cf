using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Tests;

public sealed class EvaluationSplitTests
{
    private static readonly InteractionIndex Index = new(SmallMarket.Default);

    [Fact]
    public void Held_out_users_split_into_disjoint_selection_and_test_halves()
    {
        var split = EvaluationSplit.Create(Index, validationShare: 0.2, seed: 1);

        Assert.InRange(split.HeldOut.Length, 20, 28);
        var selection = split.SelectionUsers.Select(u => u.User).ToHashSet();
        var test = split.TestUsers.Select(u => u.User).ToHashSet();
        Assert.Empty(selection.Intersect(test));
        Assert.Equal(split.HeldOut.Select(u => u.User).Order(), selection.Concat(test).Order());
        Assert.InRange(selection.Count - test.Count, 0, 1);
        Assert.Empty(split.TrainUsers.Intersect(selection.Concat(test)));
    }

    [Fact]
    public void Held_out_users_fold_in_from_their_first_signals_and_are_scored_on_the_rest()
    {
        var split = EvaluationSplit.Create(Index, validationShare: 0.2, seed: 1);

        foreach (var user in split.HeldOut)
        {
            var signals = Index.Signals[user.User];
            Assert.Equal(signals, user.FoldIn.Concat(user.Target));
            Assert.NotEmpty(user.Target);
        }
    }

    [Fact]
    public void Cold_items_never_appear_in_training_or_fold_in_signals()
    {
        var split = EvaluationSplit.Create(Index, validationShare: 0.2, seed: 1, coldItemShare: 0.1);

        Assert.InRange(split.IsCold.Count(c => c), 100, 200);
        Assert.All(split.TrainUsers, u => Assert.DoesNotContain(split.TrainSignals(Index, u), s => split.IsCold[s.Property]));
        Assert.All(split.HeldOut, u => Assert.DoesNotContain(u.FoldIn, s => split.IsCold[s.Property]));
    }
}
