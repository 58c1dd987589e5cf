using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Tests;

/// <summary>The one input check: each rule gives its typed reason, and the policy decides only the severity.</summary>
public sealed class InputValidatorTests
{
    private static readonly DatasetSchema Schema = new()
    {
        Target = "price",
        Numeric = ["area", "rooms"],
        Categorical = ["kind"],
        Latitude = "lat",
        Longitude = "lon",
        UsableArea = "area",
        Segment = "kind",
    };

    private static readonly IReadOnlyList<FeatureSpec> Features = FeatureSpec.For(
        Schema,
        [new FeatureRange("area", 20, 220, [20, 220], MissingShare: 0), new FeatureRange("rooms", 1, 8, [1, 8], MissingShare: 0.2)],
        [new FeatureRange("lat", 50, 50.2, [50, 50.2], 0), new FeatureRange("lon", 14, 14.2, [14, 14.2], 0)],
        [new Dictionary<string, double> { ["flat"] = 0.7, ["house"] = 0.3 }]);

    private static readonly InputValidator Validator = new(Features);

    private static SaleRecord Row(double area = 80, double rooms = 3, string? kind = "flat", double lat = 50.1, double lon = 14.1) => new()
    {
        Numeric = [area, rooms],
        Categorical = [kind],
        Latitude = lat,
        Longitude = lon,
    };

    [Fact]
    public void A_row_like_the_training_data_has_no_issues() => Assert.Empty(Validator.Validate(Row(), new InputPolicy()));

    [Theory]
    [InlineData(double.NaN, 3, "flat", "area", InputReason.MissingFeature, IssueSeverity.Error)]
    [InlineData(double.PositiveInfinity, 3, "flat", "area", InputReason.NotFinite, IssueSeverity.Error)]
    [InlineData(80, 40, "flat", "rooms", InputReason.OutOfRange, IssueSeverity.Warning)]
    [InlineData(80, double.NaN, "flat", "rooms", InputReason.MissingFeature, IssueSeverity.Warning)]
    [InlineData(80, 3, "castle", "kind", InputReason.UnknownCategory, IssueSeverity.Warning)]
    [InlineData(80, 3, null, "kind", InputReason.MissingFeature, IssueSeverity.Error)]
    public void Each_rule_names_its_field_with_a_typed_reason(double area, double rooms, string? kind, string field, InputReason reason, IssueSeverity severity)
    {
        var issue = Assert.Single(Validator.Validate(Row(area, rooms, kind), new InputPolicy()));

        Assert.Equal(field, issue.Field);
        Assert.Equal(reason, issue.Reason);
        Assert.Equal(severity, issue.Severity);
        Assert.Contains($"'{field}'", issue.Detail);
    }

    [Fact]
    public void A_strict_policy_turns_range_and_category_warnings_into_errors()
    {
        var strict = new InputPolicy(StrictRanges: true, StrictCategories: true);

        var issues = Validator.Validate(Row(rooms: 40, kind: "castle"), strict);

        Assert.Equal([("rooms", InputReason.OutOfRange), ("kind", InputReason.UnknownCategory)], issues.Select(i => (i.Field, i.Reason)));
        Assert.All(issues, i => Assert.Equal(IssueSeverity.Error, i.Severity));
    }

    [Fact]
    public void The_range_margin_is_a_fraction_of_the_training_range_width()
    {
        // rooms 1..8 is 7 wide: 10 % lets 8.7 pass and 8.8 not.
        var policy = new InputPolicy(0.1, StrictRanges: true);
        Assert.Empty(Validator.Validate(Row(rooms: 8.7), policy));
        Assert.Equal(InputReason.OutOfRange, Assert.Single(Validator.Validate(Row(rooms: 8.8), policy)).Reason);
    }

    [Fact]
    public void Coordinates_off_the_globe_are_an_error_even_without_a_training_range()
    {
        var noGeoRange = new InputValidator(FeatureSpec.For(Schema,
            [new FeatureRange("area", 20, 220, [20, 220], 0), new FeatureRange("rooms", 1, 8, [1, 8], 0)], [],
            [new Dictionary<string, double> { ["flat"] = 1 }]));

        var issue = Assert.Single(noGeoRange.Validate(Row(lat: 95), new InputPolicy()));

        Assert.Equal(("lat", InputReason.OutOfRange, IssueSeverity.Error), (issue.Field, issue.Reason, issue.Severity));
        Assert.Equal("'lat': latitude/longitude out of range.", issue.Detail);
    }

    [Fact]
    public void A_record_built_by_name_fills_the_hint_slots_the_schema_shares()
    {
        var builder = new SaleRecordBuilder(Features);
        var area = Features.Single(f => f.Name == "area");
        var kind = Features.Single(f => f.Name == "kind");

        builder.Set(area, 75);
        builder.Set(kind, "house");
        var row = builder.Build("p-1");

        Assert.Equal(("p-1", 75.0, 75.0, "house", "house"), (row.Id, row.Numeric[0], row.UsableArea, row.Categorical[0], row.Segment));
        Assert.True(double.IsNaN(row.Numeric[1]));
        // Hint columns the schema lists already are not features twice.
        Assert.Single(Features, f => f.Name == "area");
    }
}
