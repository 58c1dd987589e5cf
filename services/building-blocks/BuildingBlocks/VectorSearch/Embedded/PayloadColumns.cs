namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>One declared payload field of a shard as a primitive array (struct of arrays), so filters compare primitives.</summary>
internal abstract class PayloadColumn
{
    public static PayloadColumn For(PayloadFieldType type) => type switch
    {
        PayloadFieldType.Keyword => new KeywordColumn(),
        PayloadFieldType.Integer => new IntegerColumn(),
        PayloadFieldType.Float => new FloatColumn(),
        PayloadFieldType.Geo => new GeoColumn(),
        _ => new BoolColumn(),
    };

    public abstract void Resize(int capacity);

    public abstract void Set(int row, PayloadValue value);

    public abstract PayloadValue Get(int row);

    /// <summary>Copies row <paramref name="from"/> over row <paramref name="to"/> (swap-remove).</summary>
    public abstract void Move(int from, int to);
}

/// <summary>Strings stored as codes into a per-shard label table.</summary>
internal sealed class KeywordColumn : PayloadColumn
{
    private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);
    private readonly List<string> _labels = [];
    private int[] _values = [];

    public int[] Codes => _values;

    public int LabelCount => _labels.Count;

    public int CodeOf(string label) => _codes.GetValueOrDefault(label, -1);

    public override void Resize(int capacity) => Array.Resize(ref _values, capacity);

    public override void Set(int row, PayloadValue value)
    {
        var label = value.KeywordValue!;
        if (!_codes.TryGetValue(label, out var code))
        {
            code = _labels.Count;
            _labels.Add(label);
            _codes[label] = code;
        }

        _values[row] = code;
    }

    public override PayloadValue Get(int row) => PayloadValue.Keyword(_labels[_values[row]]);

    public override void Move(int from, int to) => _values[to] = _values[from];
}

internal sealed class IntegerColumn : PayloadColumn
{
    private long[] _values = [];

    public long[] Values => _values;

    public override void Resize(int capacity) => Array.Resize(ref _values, capacity);

    public override void Set(int row, PayloadValue value) => _values[row] = value.IntegerValue;

    public override PayloadValue Get(int row) => PayloadValue.Integer(_values[row]);

    public override void Move(int from, int to) => _values[to] = _values[from];
}

internal sealed class FloatColumn : PayloadColumn
{
    private double[] _values = [];

    public double[] Values => _values;

    public override void Resize(int capacity) => Array.Resize(ref _values, capacity);

    public override void Set(int row, PayloadValue value) => _values[row] = value.FloatValue;

    public override PayloadValue Get(int row) => PayloadValue.Float(_values[row]);

    public override void Move(int from, int to) => _values[to] = _values[from];
}

internal sealed class GeoColumn : PayloadColumn
{
    private double[] _latitudes = [];
    private double[] _longitudes = [];

    public double[] Latitudes => _latitudes;

    public double[] Longitudes => _longitudes;

    public override void Resize(int capacity)
    {
        Array.Resize(ref _latitudes, capacity);
        Array.Resize(ref _longitudes, capacity);
    }

    public override void Set(int row, PayloadValue value)
    {
        _latitudes[row] = value.GeoValue.Latitude;
        _longitudes[row] = value.GeoValue.Longitude;
    }

    public override PayloadValue Get(int row) => PayloadValue.Geo(_latitudes[row], _longitudes[row]);

    public override void Move(int from, int to)
    {
        _latitudes[to] = _latitudes[from];
        _longitudes[to] = _longitudes[from];
    }
}

internal sealed class BoolColumn : PayloadColumn
{
    private bool[] _values = [];

    public bool[] Values => _values;

    public override void Resize(int capacity) => Array.Resize(ref _values, capacity);

    public override void Set(int row, PayloadValue value) => _values[row] = value.BoolValue;

    public override PayloadValue Get(int row) => PayloadValue.Bool(_values[row]);

    public override void Move(int from, int to) => _values[to] = _values[from];
}
