using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Valuation.Model.Data;

/// <summary>
/// Describes how the columns of a sales CSV map onto the price model: which column is the price,
/// which are numeric or categorical features, and optional geo, segment, date and derived-ratio hints.
/// </summary>
public sealed record DatasetSchema
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("numeric")] public IReadOnlyList<string> Numeric { get; init; } = [];
    [JsonPropertyName("categorical")] public IReadOnlyList<string> Categorical { get; init; } = [];
    [JsonPropertyName("latitude")] public string? Latitude { get; init; }
    [JsonPropertyName("longitude")] public string? Longitude { get; init; }
    [JsonPropertyName("segment")] public string? Segment { get; init; }
    [JsonPropertyName("date")] public DateColumn? Date { get; init; }
    [JsonPropertyName("exclude")] public IReadOnlyList<string> Exclude { get; init; } = [];
    [JsonPropertyName("usable_area")] public string? UsableArea { get; init; }
    [JsonPropertyName("total_area")] public string? TotalArea { get; init; }
    [JsonPropertyName("year_built")] public string? YearBuilt { get; init; }

    public bool HasGeo => Latitude is not null && Longitude is not null;

    /// <summary>Every column the schema names, with the role it plays (for error messages and header checks).</summary>
    public IEnumerable<(string Column, string Role)> NamedColumns()
    {
        if (Id is not null) yield return (Id, "id");
        yield return (Target, "target");
        foreach (var c in Numeric) yield return (c, "numeric");
        foreach (var c in Categorical) yield return (c, "categorical");
        if (Latitude is not null) yield return (Latitude, "latitude");
        if (Longitude is not null) yield return (Longitude, "longitude");
        if (Segment is not null) yield return (Segment, "segment");
        if (Date is not null) yield return (Date.Column, "date");
        if (UsableArea is not null) yield return (UsableArea, "usable_area");
        if (TotalArea is not null) yield return (TotalArea, "total_area");
        if (YearBuilt is not null) yield return (YearBuilt, "year_built");
    }

    public static DatasetSchema Load(string path)
    {
        if (!File.Exists(path))
            throw new DatasetFormatException($"{path}: schema file not found");
        return Parse(File.ReadAllText(path), path);
    }

    public static DatasetSchema Parse(string json, string source = "schema")
    {
        try
        {
            var schema = JsonSerializer.Deserialize<DatasetSchema>(json, JsonOptions)
                ?? throw new DatasetFormatException($"{source}: schema is empty");
            schema.ValidateShape(source);
            return schema;
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException($"{source}: line {e.LineNumber + 1}: invalid schema JSON: {e.Message}");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Checks the schema on its own: a target, no column in two feature roles, lat/lon given together.</summary>
    public void ValidateShape(string source)
    {
        if (string.IsNullOrWhiteSpace(Target))
            throw new DatasetFormatException($"{source}: schema field 'target' is required");
        if ((Latitude is null) != (Longitude is null))
            throw new DatasetFormatException($"{source}: schema fields 'latitude' and 'longitude' must be given together");
        var features = Numeric.Concat(Categorical).ToList();
        var duplicate = features.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new DatasetFormatException($"{source}: column '{duplicate.Key}' is listed twice among numeric/categorical");
        if (features.Contains(Target))
            throw new DatasetFormatException($"{source}: target column '{Target}' must not also be a feature");
        var excludedFeature = features.FirstOrDefault(Exclude.Contains);
        if (excludedFeature is not null)
            throw new DatasetFormatException($"{source}: column '{excludedFeature}' is both a feature and excluded");
        if (Date is not null && string.IsNullOrWhiteSpace(Date.Column))
            throw new DatasetFormatException($"{source}: schema field 'date.column' is required when 'date' is given");
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}

/// <summary>
/// The sale date column and its format (a .NET date format string; ISO 8601 when omitted). In a schema file it is either
/// <c>{"column": "sold_at", "format": "yyyy-MM-dd"}</c> or just the column name, <c>"sold_at"</c>.
/// </summary>
[JsonConverter(typeof(DateColumnJsonConverter))]
public sealed record DateColumn
{
    [JsonPropertyName("column")] public string Column { get; init; } = "";
    [JsonPropertyName("format")] public string? Format { get; init; }
}

internal sealed class DateColumnJsonConverter : JsonConverter<DateColumn>
{
    public override DateColumn? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new DateColumn { Column = reader.GetString()! };
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("'date' must be a column name or an object with 'column' and optional 'format'.");
        }

        string column = "", format = "";
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "column": column = reader.GetString() ?? ""; break;
                case "format": format = reader.GetString() ?? ""; break;
                default: throw new JsonException($"'date' has an unknown property '{name}' (expected 'column' and 'format').");
            }
        }

        return new DateColumn { Column = column, Format = format.Length == 0 ? null : format };
    }

    public override void Write(Utf8JsonWriter writer, DateColumn value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("column", value.Column);
        if (value.Format is not null)
        {
            writer.WriteString("format", value.Format);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Input that cannot be used at all (missing file, unknown column, no rows); the message names file, line and column.</summary>
public sealed class DatasetFormatException(string message) : Exception(message);
