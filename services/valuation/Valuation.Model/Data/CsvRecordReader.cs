using System.Text;

namespace Platform.Valuation.Model.Data;

/// <summary>
/// Reads comma-separated records as R's write.csv writes them: strings in double quotes with "" escaping,
/// NA (unquoted) for missing values, quoted fields may span lines. Tracks the 1-based line each record starts on.
/// </summary>
public sealed class CsvRecordReader(TextReader reader)
{
    private readonly StringBuilder _field = new();
    private int _line = 1;

    /// <summary>A field value and whether it was quoted (a quoted "NA" is the string NA, not a missing value).</summary>
    public readonly record struct Field(string Text, bool Quoted)
    {
        public bool IsMissing => !Quoted && (Text.Length == 0 || Text == "NA");
    }

    /// <summary>Reads the next record; returns false at end of input.</summary>
    public bool TryRead(List<Field> fields, out int startLine)
    {
        fields.Clear();
        startLine = _line;
        int c = reader.Read();
        if (c == -1) return false;
        _field.Clear();
        bool quoted = false, inQuotes = false;
        while (true)
        {
            if (inQuotes)
            {
                if (c == -1) throw new DatasetFormatException($"line {startLine}: unterminated quoted field");
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); _field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (c == '\n') _line++;
                    _field.Append((char)c);
                }
            }
            else if (c == '"' && _field.Length == 0 && !quoted)
            {
                quoted = inQuotes = true;
            }
            else if (c == ',')
            {
                fields.Add(new Field(quoted ? _field.ToString() : _field.ToString().Trim(), quoted));
                _field.Clear();
                quoted = false;
            }
            else if (c == '\n' || c == -1)
            {
                if (c == '\n') _line++;
                fields.Add(new Field(quoted ? _field.ToString() : _field.ToString().Trim(), quoted));
                return true;
            }
            else if (c != '\r')
            {
                _field.Append((char)c);
            }
            c = reader.Read();
        }
    }
}
