using System.Globalization;
using Platform.MarketData.Domain;

namespace Platform.Valuation.Model.Data;

/// <summary>
/// Reads a sales CSV through a <see cref="DatasetSchema"/>. Structural problems (missing file, empty file,
/// a schema column absent from the header) throw <see cref="DatasetFormatException"/>; row problems
/// (unparsable number, missing or non-positive target, negative area, lat/lon out of range, wrong column
/// count, a sale date that parses but lies outside <see cref="DateInput.Sale"/> at <c>now</c>) reject that row into the
/// manifest and keep the rest.
/// </summary>
public static class SchemaCsvReader
{
    public static SalesDataset Read(string path, DatasetSchema schema, DateTimeOffset? now = null)
    {
        if (!File.Exists(path)) throw new DatasetFormatException($"{path}: file not found");
        using var reader = new StreamReader(path);
        return Read(reader, schema, path, now);
    }

    /// <param name="now">The clock the sale-date range is checked at (default: the current UTC time).</param>
    public static SalesDataset Read(TextReader text, DatasetSchema schema, string source, DateTimeOffset? now = null)
    {
        var csv = new CsvRecordReader(text);
        var fields = new List<CsvRecordReader.Field>();
        try
        {
            if (!csv.TryRead(fields, out _) || fields.All(f => f.Text.Length == 0))
                throw new DatasetFormatException($"{source}: line 1: file is empty (expected a header row)");
        }
        catch (DatasetFormatException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new DatasetFormatException($"{source}: {e.Message}");
        }

        var header = fields.Select(f => f.Text).ToList();
        var columns = ColumnMap.Create(schema, header, source, now ?? DateTimeOffset.UtcNow);
        var rows = new List<SaleRecord>();
        var issues = new List<RowIssue>();
        int read = 0;
        while (true)
        {
            int line;
            try
            {
                if (!csv.TryRead(fields, out line)) break;
            }
            catch (DatasetFormatException e)
            {
                throw new DatasetFormatException($"{source}: {e.Message}");
            }
            if (fields.Count == 1 && fields[0].Text.Length == 0 && !fields[0].Quoted) continue; // blank line
            read++;
            var issue = columns.TryParse(fields, line, out var record);
            if (issue is null) rows.Add(record!);
            else issues.Add(issue);
        }
        if (read == 0)
            throw new DatasetFormatException($"{source}: line 2: file has a header but no data rows");
        return new SalesDataset(schema, rows, new ImportManifest(source, read, rows.Count, issues));
    }

    /// <summary>Schema roles resolved to header positions once, so per-row parsing is index lookups.</summary>
    private sealed class ColumnMap
    {
        private readonly DatasetSchema _schema;
        private readonly int _width;
        private readonly DateTimeOffset _now;
        private int _id = -1, _target, _lat = -1, _lon = -1, _segment = -1, _date = -1, _usable = -1, _total = -1, _year = -1;
        private int[] _numeric = [], _categorical = [];
        private string[] _header = [];

        private ColumnMap(DatasetSchema schema, int width, DateTimeOffset now) { _schema = schema; _width = width; _now = now; }

        public static ColumnMap Create(DatasetSchema schema, List<string> header, string source, DateTimeOffset now)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < header.Count; i++) index.TryAdd(header[i], i);
            int Find(string column, string role) => index.TryGetValue(column, out var i)
                ? i
                : throw new DatasetFormatException(
                    $"{source}: line 1: column '{column}' (schema {role}) is not in the header [{string.Join(", ", header)}]");

            foreach (var (column, role) in schema.NamedColumns()) Find(column, role);
            foreach (var column in schema.Exclude) Find(column, "exclude");
            return new ColumnMap(schema, header.Count, now)
            {
                _header = [.. header],
                _id = schema.Id is null ? -1 : Find(schema.Id, "id"),
                _target = Find(schema.Target, "target"),
                _numeric = [.. schema.Numeric.Select(c => Find(c, "numeric"))],
                _categorical = [.. schema.Categorical.Select(c => Find(c, "categorical"))],
                _lat = schema.Latitude is null ? -1 : Find(schema.Latitude, "latitude"),
                _lon = schema.Longitude is null ? -1 : Find(schema.Longitude, "longitude"),
                _segment = schema.Segment is null ? -1 : Find(schema.Segment, "segment"),
                _date = schema.Date is null ? -1 : Find(schema.Date.Column, "date"),
                _usable = schema.UsableArea is null ? -1 : Find(schema.UsableArea, "usable_area"),
                _total = schema.TotalArea is null ? -1 : Find(schema.TotalArea, "total_area"),
                _year = schema.YearBuilt is null ? -1 : Find(schema.YearBuilt, "year_built"),
            };
        }

        public RowIssue? TryParse(List<CsvRecordReader.Field> f, int line, out SaleRecord? record)
        {
            record = null;
            if (f.Count != _width)
                return new RowIssue(line, "*", $"expected {_width} columns, found {f.Count}");

            var priceField = f[_target];
            if (priceField.IsMissing) return new RowIssue(line, _header[_target], "missing target value");
            if (!TryNumber(priceField, out var price))
                return new RowIssue(line, _header[_target], $"target '{priceField.Text}' is not a number");
            if (!(price > 0) || double.IsInfinity(price))
                return new RowIssue(line, _header[_target], $"target {price.ToString(CultureInfo.InvariantCulture)} must be a positive finite number");

            var numeric = new double[_numeric.Length];
            for (int i = 0; i < _numeric.Length; i++)
            {
                var field = f[_numeric[i]];
                if (field.IsMissing) { numeric[i] = double.NaN; continue; }
                if (!TryNumber(field, out numeric[i]) || double.IsInfinity(numeric[i]))
                    return new RowIssue(line, _header[_numeric[i]], $"'{field.Text}' is not a number");
            }
            var categorical = new string?[_categorical.Length];
            for (int i = 0; i < _categorical.Length; i++)
            {
                var field = f[_categorical[i]];
                categorical[i] = field.IsMissing ? null : field.Text;
            }

            var issue = new[]
            {
                Optional(f, _lat, line, -90, 90, out var lat),
                Optional(f, _lon, line, -180, 180, out var lon),
                Optional(f, _usable, line, 0, double.MaxValue, out var usable),
                Optional(f, _total, line, 0, double.MaxValue, out var total),
                Optional(f, _year, line, double.MinValue, double.MaxValue, out var year),
            }.FirstOrDefault(i => i is not null);
            if (issue is not null) return issue;

            DateTime? date = null;
            if (_date >= 0 && !f[_date].IsMissing)
            {
                var text = f[_date].Text;
                var format = _schema.Date!.Format;
                bool ok = format is null
                    ? DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
                    : DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out d);
                if (!ok) return new RowIssue(line, _header[_date], $"'{text}' is not a date in format '{format ?? "ISO 8601"}'");
                if (DateInput.Sale.Problem(d, _now) is { } problem)
                    return new RowIssue(line, _header[_date], problem);
                date = d;
            }

            record = new SaleRecord
            {
                Id = _id >= 0 && !f[_id].IsMissing ? f[_id].Text : null,
                Price = price,
                Numeric = numeric,
                Categorical = categorical,
                Latitude = lat,
                Longitude = lon,
                UsableArea = usable,
                TotalArea = total,
                YearBuilt = year,
                SaleDate = date,
                Segment = _segment >= 0 && !f[_segment].IsMissing ? f[_segment].Text : null,
                Line = line,
            };
            return null;
        }

        private RowIssue? Optional(List<CsvRecordReader.Field> f, int column, int line, double min, double max, out double value)
        {
            value = double.NaN;
            if (column < 0 || f[column].IsMissing) return null;
            if (!TryNumber(f[column], out value) || double.IsInfinity(value))
                return new RowIssue(line, _header[column], $"'{f[column].Text}' is not a number");
            if (value < min || value > max)
            {
                var reason = min == 0 ? "must not be negative" : $"is outside [{min}, {max}]";
                return new RowIssue(line, _header[column], $"{value.ToString(CultureInfo.InvariantCulture)} {reason}");
            }
            return null;
        }

        private static bool TryNumber(CsvRecordReader.Field field, out double value) =>
            double.TryParse(field.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value);
    }
}
