namespace Platform.Valuation.Model.Data;

/// <summary>A row the reader could not use, with where and why.</summary>
public sealed record RowIssue(int Line, string Column, string Reason)
{
    public override string ToString() => $"line {Line}, column '{Column}': {Reason}";
}

/// <summary>What an import did with a file: rows read, rows kept and every rejected row with its reason.</summary>
public sealed record ImportManifest(string File, int RowsRead, int RowsKept, IReadOnlyList<RowIssue> Issues)
{
    public int RowsRejected => RowsRead - RowsKept;
}

public sealed record SalesDataset(DatasetSchema Schema, IReadOnlyList<SaleRecord> Rows, ImportManifest Manifest);
