using Platform.Valuation.Model.Evaluation;

namespace Platform.Valuation.Tests;

public class MetricsCalculatorTests
{
    [Fact]
    public void Computes_the_metrics_by_hand()
    {
        double[] actual = [100, 200, 400, 1000];
        double[] predicted = [110, 150, 400, 1300];
        var m = MetricsCalculator.Compute(actual, predicted);
        // APE: 10, 25, 0, 30 -> median 17.5, mean 16.25; AE: 10, 50, 0, 300
        Assert.Equal(17.5, m.MdAPE, 9);
        Assert.Equal(16.25, m.MAPE, 9);
        Assert.Equal(360.0 / 1700 * 100, m.WAPE, 9);
        Assert.Equal(90, m.MAE, 9);
        Assert.Equal(Math.Sqrt((100 + 2500 + 0 + 90000) / 4.0), m.RMSE, 9);
        Assert.Equal(50, m.PPE10, 9);
        Assert.Equal(50, m.PPE20, 9);
        Assert.Equal(50 + 0.7 * 250, m.AE_p90, 9);
    }

    [Fact]
    public void Segments_get_status_by_thresholds_and_best_and_worst()
    {
        double[] actual = [.. Enumerable.Repeat(100.0, 10)];
        double[] predicted = [105, 95, 105, 95, 105, 130, 70, 130, 70, 130];
        string[] segments = ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"];
        var s = MetricsCalculator.Summarise(actual, predicted, segments, new SegmentThresholds { GoodMdApe = 10, OkMdApe = 20, TailRiskAeP90 = 20 });
        Assert.Equal(SegmentStatus.Good, s.Segments[0].Status);
        Assert.Equal(SegmentStatus.Risk, s.Segments[1].Status);
        Assert.False(s.Segments[0].TailRisk);
        Assert.True(s.Segments[1].TailRisk);
        Assert.Equal("a", s.Best!.Segment);
        Assert.Equal("b", s.Worst!.Segment);
    }
}
