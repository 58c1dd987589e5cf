using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.VisualBasic.FileIO;
using Platform.Dashboard.Api;

namespace Platform.Dashboard.Pages;

/// <summary>One estimate from a form generated from <c>GET /model/info</c>, or a batch from a CSV file, through <c>POST /estimate</c>.</summary>
public sealed class EstimateModel(PlatformApi api) : PageModel
{
    /// <summary>Rows per <c>POST /estimate</c> call while a CSV is estimated (the service's batch limit is higher).</summary>
    public const int CsvChunk = 100;
    public const int MaxCsvRows = 5_000;
    public const int Comparables = 5;

    public ApiResult<ModelInfo> Info { get; private set; }

    /// <summary>What the user typed, by feature name, to refill the form.</summary>
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    public EstimateRow? Result { get; private set; }

    public ApiProblem? Problem { get; private set; }

    public IReadOnlyList<(int Line, EstimateRow Row)>? Batch { get; private set; }

    public string? BatchCsv { get; private set; }

    public string? UploadError { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Info = await api.GetModelInfoAsync(ct);

    /// <summary>The subject's coordinate as typed, for the comparables map.</summary>
    public double? Coordinate(string feature) =>
        Values.GetValueOrDefault(feature) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    public async Task OnPostEstimateAsync(CancellationToken ct)
    {
        Info = await api.GetModelInfoAsync(ct);
        if (!Info.Ok)
        {
            return;
        }

        var row = new JsonObject();
        var propertyId = Request.Form["property_id"].ToString();
        if (propertyId.Length > 0)
        {
            row["property_id"] = propertyId;
        }

        foreach (var feature in Info.Value!.Features)
        {
            var text = Request.Form["f." + feature.Name].ToString().Trim();
            Values[feature.Name] = text;
            if (text.Length > 0)
            {
                row[feature.Name] = Value(feature, text);
            }
        }

        Values["property_id"] = propertyId;
        var estimated = await api.EstimateAsync([row], Comparables, ct);
        Problem = estimated.Problem;
        Result = estimated.Value?.Results.FirstOrDefault();
    }

    public async Task OnPostUploadAsync(IFormFile? csv, CancellationToken ct)
    {
        Info = await api.GetModelInfoAsync(ct);
        if (!Info.Ok)
        {
            return;
        }

        if (csv is null || csv.Length == 0)
        {
            UploadError = "Choose a CSV file with a header row of feature names (and optionally property_id).";
            return;
        }

        List<(int Line, JsonObject Row)> rows;
        try
        {
            rows = ReadCsv(csv.OpenReadStream(), Info.Value!.Features);
        }
        catch (MalformedLineException exception)
        {
            UploadError = $"The file is not valid CSV at line {exception.LineNumber}: {exception.Message}";
            return;
        }
        catch (InvalidDataException exception)
        {
            UploadError = exception.Message;
            return;
        }

        var results = new List<(int, EstimateRow)>();
        foreach (var chunk in rows.Chunk(CsvChunk))
        {
            var estimated = await api.EstimateAsync([.. chunk.Select(r => (JsonNode)r.Row)], 0, ct);
            if (estimated.Problem is { } problem)
            {
                Problem = problem;
                return;
            }

            results.AddRange(chunk.Zip(estimated.Value!.Results, (r, result) => (r.Line, result)));
        }

        Batch = results;
        BatchCsv = "data:text/csv;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(ResultsCsv(results)));
    }

    /// <summary>Numbers for numeric features (a value that is not one is sent as text, so the API names the row's error).</summary>
    private static JsonNode Value(FeatureInfo feature, string text) =>
        feature.IsNumeric && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(text);

    private static List<(int Line, JsonObject Row)> ReadCsv(Stream stream, IReadOnlyList<FeatureInfo> features)
    {
        using var parser = new TextFieldParser(stream, Encoding.UTF8) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields() ?? throw new InvalidDataException("The file is empty.");
        var byName = features.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        var rows = new List<(int, JsonObject)>();
        while (!parser.EndOfData)
        {
            var line = (int)parser.LineNumber;
            var fields = parser.ReadFields();
            if (fields is null || fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (rows.Count == MaxCsvRows)
            {
                throw new InvalidDataException($"At most {MaxCsvRows} rows per upload.");
            }

            var row = new JsonObject();
            for (var i = 0; i < header.Length && i < fields.Length; i++)
            {
                var name = header[i].Trim();
                var text = fields[i].Trim();
                if (text.Length == 0)
                {
                    continue;
                }

                if (name.Equals("property_id", StringComparison.OrdinalIgnoreCase))
                {
                    row["property_id"] = text;
                }
                else if (byName.TryGetValue(name, out var feature))
                {
                    row[feature.Name] = Value(feature, text);
                }
            }

            rows.Add((line, row));
        }

        return rows;
    }

    private static string ResultsCsv(IEnumerable<(int Line, EstimateRow Row)> results)
    {
        var csv = new StringBuilder("line,property_id,status,estimate,low,high,model_version,error_field,error\n");
        foreach (var (line, row) in results)
        {
            csv.AppendJoin(',', line.ToString(CultureInfo.InvariantCulture), Quote(row.PropertyId), row.Status, Number(row.Estimate), Number(row.Low),
                Number(row.High), row.ModelVersion?.ToString(CultureInfo.InvariantCulture) ?? "", Quote(row.Problem?.Field), Quote(row.Problem?.Detail));
            csv.Append('\n');
        }

        return csv.ToString();
    }

    private static string Number(double? value) => value?.ToString("0.##", CultureInfo.InvariantCulture) ?? "";

    private static string Quote(string? text) => text is null ? "" : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
