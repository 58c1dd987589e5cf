using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Tests;

/// <summary>What a numeric feature accepts around its training range (<see cref="InputValidator.AcceptedRange"/>).</summary>
public sealed class InputRangeTests
{
    [Theory]
    // Sacramento sqft 484–4,878: the 10 % margin would reach 45; a positive feature stops at half its minimum.
    [InlineData(484, 4878, 0.1, 242, 5317.4)]
    // Windsor garages 0–3: never negative.
    [InlineData(0, 3, 0.1, 0, 3.3)]
    // Longitudes of Sacramento are negative: the plain margin applies.
    [InlineData(-121.551704, -120.597599, 0.1, -121.6471145, -120.5021885)]
    // A narrow positive range keeps its plain margin, which stays above half the minimum.
    [InlineData(100, 110, 0.1, 99, 111)]
    public void The_accepted_range_widens_the_training_range_but_keeps_positive_features_positive(double min, double max, double margin, double low, double high)
    {
        var (actualLow, actualHigh) = InputValidator.AcceptedRange(min, max, margin);

        Assert.Equal(low, actualLow, 6);
        Assert.Equal(high, actualHigh, 6);
    }

    [Theory]
    [InlineData(5e-324)]
    [InlineData(0)]
    [InlineData(241)]
    public void A_tiny_area_is_an_out_of_range_error_under_the_api_policy(double area)
    {
        var sqft = new FeatureSpec("sqft", FeatureKind.Numeric, Required: true, Min: 484, Max: 4878);

        var issue = InputValidator.CheckNumber(sqft, area, new InputPolicy(StrictRanges: true));

        Assert.Equal((IssueSeverity.Error, InputReason.OutOfRange), (issue!.Severity, issue.Reason));
        Assert.Null(InputValidator.CheckNumber(sqft, 242, new InputPolicy(StrictRanges: true)));
    }
}
