using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Tests;

public class SchemaCsvReaderTests
{
    private static readonly DatasetSchema Schema = new()
    {
        Target = "price",
        Numeric = ["sqft"],
        Categorical = ["type"],
        Latitude = "lat",
        Longitude = "lon",
        UsableArea = "sqft",
    };

    private static SalesDataset Read(string csv) => SchemaCsvReader.Read(new StringReader(csv), Schema, "test.csv");

    [Fact]
    public void Reads_R_quoting_and_NA_as_missing()
    {
        var data = Read("\"type\",\"sqft\",\"price\",\"lat\",\"lon\"\n\"Condo, \"\"A\"\"\",NA,1000,38.5,-121.4\n\"NA\",900,2000,NA,NA\n");
        Assert.Equal(2, data.Rows.Count);
        Assert.Equal("Condo, \"A\"", data.Rows[0].Categorical[0]);
        Assert.True(double.IsNaN(data.Rows[0].Numeric[0]));
        Assert.Equal("NA", data.Rows[1].Categorical[0]); // quoted NA is a string
        Assert.True(double.IsNaN(data.Rows[1].Latitude));
        Assert.Equal(3, data.Rows[1].Line);
    }

    [Fact]
    public void Bad_rows_go_to_the_manifest_with_line_column_and_reason()
    {
        var data = Read(string.Join('\n',
            "type,sqft,price,lat,lon",
            "a,100,1000,38,-121",
            "a,abc,1000,38,-121",
            "a,100,NA,38,-121",
            "a,-5,1000,38,-121",
            "a,100,1000,95,-121",
            "a,100,1000,38",
            "a,100,x,38,-121",
            "a,100,2000,38,-121") + "\n");
        Assert.Equal(8, data.Manifest.RowsRead);
        Assert.Equal(2, data.Manifest.RowsKept);
        Assert.Collection(data.Manifest.Issues,
            i => Assert.Equal((3, "sqft"), (i.Line, i.Column)),
            i => Assert.Equal((4, "price", "missing target value"), (i.Line, i.Column, i.Reason)),
            i => Assert.Equal((5, "sqft"), (i.Line, i.Column)),
            i => Assert.Equal((6, "lat"), (i.Line, i.Column)),
            i => Assert.Equal((7, "*"), (i.Line, i.Column)),
            i => Assert.Contains("not a number", i.Reason));
    }

    [Fact]
    public void Rows_with_a_sale_date_outside_the_accepted_range_go_to_the_manifest_and_the_rest_are_kept()
    {
        var schema = new DatasetSchema { Id = "id", Target = "price", Numeric = ["sqft"], Date = new DateColumn { Column = "sold_at", Format = "yyyy-MM-dd" } };
        var today = DateTime.UtcNow.Date;
        string Day(DateTime day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var csv = string.Join('\n',
            "id,price,sqft,sold_at",
            "first-day,250000,1200,1900-01-01",
            "before-1900,250000,1200,1899-12-31",
            "today,250000,1200," + Day(today),
            "after-tomorrow,250000,1200," + Day(today.AddDays(3)),
            "no-date,250000,1200,NA") + "\n";

        var data = SchemaCsvReader.Read(new StringReader(csv), schema, "dated.csv");

        Assert.Equal(["first-day", "today", "no-date"], data.Rows.Select(r => r.Id));
        Assert.Equal((5, 3), (data.Manifest.RowsRead, data.Manifest.RowsKept));
        Assert.Collection(data.Manifest.Issues,
            i => Assert.Equal((3, "sold_at"), (i.Line, i.Column)),
            i => Assert.Equal((5, "sold_at"), (i.Line, i.Column)));
        Assert.All(data.Manifest.Issues, i => Assert.Contains("outside the accepted range [1900-01-01, now + 24 h]", i.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_schema_column_names_file_and_column()
    {
        var e = Assert.Throws<DatasetFormatException>(() => Read("type,area,price,lat,lon\na,1,2,3,4\n"));
        Assert.Contains("test.csv", e.Message);
        Assert.Contains("'sqft'", e.Message);
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void Empty_file_is_an_error()
    {
        Assert.Contains("empty", Assert.Throws<DatasetFormatException>(() => Read("")).Message);
        Assert.Contains("no data rows", Assert.Throws<DatasetFormatException>(() => Read("type,sqft,price,lat,lon\n")).Message);
    }

    [Theory]
    [InlineData("sacramento.csv", "sacramento.schema.json", 932)]
    [InlineData("windsor_houseprices.csv", "windsor_houseprices.schema.json", 546)]
    [InlineData("boston_housing2.csv", "boston_housing2.schema.json", 506)]
    public void Shipped_schemas_read_the_real_datasets_without_rejects(string csv, string schema, int rows)
    {
        var data = SchemaCsvReader.Read(SyntheticSales.SharedDataset(csv), DatasetSchema.Load(SyntheticSales.SchemaFile(schema)));
        Assert.Empty(data.Manifest.Issues);
        Assert.Equal(rows, data.Rows.Count);
    }

    [Fact]
    public void Boston_schema_does_not_use_b_or_the_uncorrected_target()
    {
        var schema = DatasetSchema.Load(SyntheticSales.SchemaFile("boston_housing2.schema.json"));
        Assert.Equal("cmedv", schema.Target);
        Assert.DoesNotContain("b", schema.Numeric.Concat(schema.Categorical));
        Assert.DoesNotContain("medv", schema.Numeric.Concat(schema.Categorical));
    }

    [Theory]
    [InlineData("\"sold_at\"", "sold_at", null)]
    [InlineData("{ \"column\": \"sold_at\", \"format\": \"dd.MM.yyyy\" }", "sold_at", "dd.MM.yyyy")]
    public void The_date_column_is_a_name_or_an_object_with_a_format(string date, string column, string? format)
    {
        var schema = DatasetSchema.Parse($$"""{ "target": "price", "numeric": ["area"], "date": {{date}} }""");

        Assert.Equal(column, schema.Date!.Column);
        Assert.Equal(format, schema.Date.Format);
    }

    [Fact]
    public void A_date_of_another_shape_is_an_error_naming_the_schema()
    {
        var error = Assert.Throws<DatasetFormatException>(() =>
            DatasetSchema.Parse("""{ "target": "price", "numeric": ["area"], "date": 2024 }""", "my.schema.json"));

        Assert.Contains("my.schema.json", error.Message, StringComparison.Ordinal);
    }
}
