using System.Globalization;
using System.Text.Json;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Tests;

public sealed class EstimateRowValidatorTests
{
    private static readonly ValuationModel Model = new(new SchemaOnly(
    [
        new FeatureSpec("sqft", FeatureKind.Numeric, Required: true, Min: 500, Max: 4_500) { Index = 0 },
        new FeatureSpec("beds", FeatureKind.Numeric, Required: false, Min: 1, Max: 6) { Index = 1 },
        new FeatureSpec("type", FeatureKind.Categorical, Required: true, Categories: ["Condo", "Residential"]) { Index = 0 },
    ]));

    private static (bool Ok, SaleRecord Row, List<InputIssue>? Errors) Read(string json, double margin = 0.1, bool strict = true)
    {
        using var document = JsonDocument.Parse(json);
        var policy = new InputPolicy(margin, StrictRanges: true, StrictCategories: strict);
        var ok = EstimateRowValidator.TryRead(document.RootElement.Clone(), 0, Model, policy, out var row, out _, out var errors);
        return (ok, row, errors);
    }

    [Fact]
    public void A_complete_row_in_range_is_read_with_its_id()
    {
        var (ok, row, errors) = Read("""{ "property_id": 17, "sqft": 1200, "type": "Condo" }""");

        Assert.True(ok);
        Assert.Null(errors);
        Assert.Equal("17", row.Id);
        Assert.Equal(1200, row.Numeric[0]);
        Assert.Equal("Condo", row.Categorical[0]);
        Assert.True(double.IsNaN(row.Numeric[1]));
    }

    [Theory]
    [InlineData("""{ "type": "Condo" }""", "sqft", InputReason.MissingFeature)]
    [InlineData("""{ "sqft": null, "type": "Condo" }""", "sqft", InputReason.MissingFeature)]
    [InlineData("""{ "sqft": "NaN", "type": "Condo" }""", "sqft", InputReason.NotFinite)]
    [InlineData("""{ "sqft": "-Infinity", "type": "Condo" }""", "sqft", InputReason.NotFinite)]
    [InlineData("""{ "sqft": 1e400, "type": "Condo" }""", "sqft", InputReason.NotFinite)]
    [InlineData("""{ "sqft": "big", "type": "Condo" }""", "sqft", InputReason.InvalidType)]
    [InlineData("""{ "sqft": 4901, "type": "Condo" }""", "sqft", InputReason.OutOfRange)]
    [InlineData("""{ "sqft": 99, "type": "Condo" }""", "sqft", InputReason.OutOfRange)]
    [InlineData("""{ "sqft": 1000, "type": "Castle" }""", "type", InputReason.UnknownCategory)]
    [InlineData("""{ "sqft": 1000, "type": true }""", "type", InputReason.InvalidType)]
    public void Each_bad_input_class_names_its_field_and_reason(string json, string field, InputReason reason)
    {
        var (ok, _, errors) = Read(json);

        Assert.False(ok);
        var error = Assert.Single(errors!);
        Assert.Equal(field, error.Field);
        Assert.Equal(reason, error.Reason);
        Assert.Contains(field, error.Detail);
    }

    [Fact]
    public void The_range_margin_is_a_fraction_of_the_training_range()
    {
        // Range 500..4500 is 4000 wide: a 10 % margin accepts up to 4900.
        Assert.True(Read("""{ "sqft": 4900, "type": "Condo" }""").Ok);
        Assert.False(Read("""{ "sqft": 4900, "type": "Condo" }""", margin: 0).Ok);
    }

    [Fact]
    public void Unknown_categories_pass_when_not_strict()
    {
        var (ok, row, _) = Read("""{ "sqft": 1000, "type": "Castle" }""", strict: false);

        Assert.True(ok);
        Assert.Equal("Castle", row.Categorical[0]);
    }

    [Fact]
    public void All_problems_of_a_row_are_listed_and_the_first_names_the_field()
    {
        var (ok, _, errors) = Read("""{ "sqft": "NaN", "beds": 40, "type": "Castle" }""");

        Assert.False(ok);
        Assert.Equal(["sqft", "beds", "type"], errors!.Select(e => e.Field));
        var problem = RowProblem.From(errors!);
        Assert.Equal("sqft", problem.Field);
        Assert.Equal("not_finite", problem.Reason);
        Assert.Equal(422, problem.Status);
    }

    [Fact]
    public void The_reader_and_the_model_apply_the_same_rule_with_the_same_words()
    {
        var (ok, _, errors) = Read("""{ "sqft": 4901, "type": "Condo" }""");
        var record = new SaleRecord { Numeric = [4901, double.NaN], Categorical = ["Condo"] };

        var fromModel = Model.Validator.Validate(record, new InputPolicy(0.1, StrictRanges: true, StrictCategories: true));

        Assert.False(ok);
        // The model also warns that the optional 'beds' is missing; the reader keeps errors only.
        Assert.Equal(Assert.Single(fromModel, i => i.Severity == IssueSeverity.Error), Assert.Single(errors!));
    }

    private static readonly ValuationModel DatedModel = new(new SchemaOnly(
    [
        new FeatureSpec("sqft", FeatureKind.Numeric, Required: true, Min: 500, Max: 4_500) { Index = 0 },
        new FeatureSpec("sold_at", FeatureKind.Date, Required: false),
    ]));

    private static (bool Ok, SaleRecord Row, List<InputIssue>? Errors) ReadDated(string soldAt)
    {
        using var document = JsonDocument.Parse($$"""{ "sqft": 1200, "sold_at": "{{soldAt}}" }""");
        var ok = EstimateRowValidator.TryRead(document.RootElement.Clone(), 0, DatedModel, new InputPolicy(StrictRanges: true), out var row, out _, out var errors);
        return (ok, row, errors);
    }

    [Theory]
    [InlineData("0001-01-01")]
    [InlineData("1899-12-31T23:59:59Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2200-06-01")]
    public void A_sale_date_outside_the_accepted_range_is_out_of_range_naming_the_field(string soldAt)
    {
        var (ok, _, errors) = ReadDated(soldAt);

        Assert.False(ok);
        var error = Assert.Single(errors!);
        Assert.Equal("sold_at", error.Field);
        Assert.Equal(InputReason.OutOfRange, error.Reason);
        Assert.Contains("1900-01-01", error.Detail, StringComparison.Ordinal);
        var problem = RowProblem.From(errors!);
        Assert.Equal(("sold_at", "out_of_range", 422), (problem.Field, problem.Reason, problem.Status));
    }

    [Fact]
    public void Sale_dates_from_1900_to_a_day_after_the_clock_are_read()
    {
        var tomorrow = DateTime.UtcNow.AddHours(23).ToString("O", CultureInfo.InvariantCulture);
        foreach (var soldAt in new[] { "1900-01-01", "2014-05-21", tomorrow })
        {
            var (ok, row, errors) = ReadDated(soldAt);

            Assert.True(ok, soldAt + ": " + errors?.FirstOrDefault()?.Detail);
            Assert.Equal(DateTime.Parse(soldAt, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), row.SaleDate);
        }

        Assert.False(ReadDated(DateTime.UtcNow.AddDays(2).ToString("O", CultureInfo.InvariantCulture)).Ok);
    }

    /// <summary>Only the schema is needed to validate; estimating is not part of these tests.</summary>
    private sealed class SchemaOnly(IReadOnlyList<FeatureSpec> features) : IPriceEstimator
    {
        public IReadOnlyList<FeatureSpec> Features => features;

        public IReadOnlyDictionary<string, double[]> TrainingDistribution => new Dictionary<string, double[]>();

        public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> TrainingCategoryShares =>
            new Dictionary<string, IReadOnlyDictionary<string, double>>();

        public IReadOnlyList<PriceEstimate> Predict(IReadOnlyList<SaleRecord> rows, int topContributions) => throw new NotSupportedException();

        public IReadOnlyList<ComparableSale> FindComparables(SaleRecord row, int k) => throw new NotSupportedException();
    }
}
