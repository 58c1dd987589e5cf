using System.Numerics.Tensors;

namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// One tenant's points as a struct of arrays: a contiguous matrix of unit vectors (row-major) beside one array per
/// payload field, so a search walks memory linearly and filters on primitives. Strings (type, status) are stored as
/// codes into a per-shard label table. Not thread-safe: <see cref="EmbeddedVectorIndex"/> guards it with <see cref="Lock"/>.
/// </summary>
internal sealed class TenantShard(string tenantId, int dimension)
{
    private const int InitialCapacity = 64;

    private readonly Dictionary<string, int> _rowById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _labelCodes = new(StringComparer.Ordinal);
    private readonly List<string> _labels = [];

    private float[] _vectors = new float[InitialCapacity * dimension];
    private string[] _ids = new string[InitialCapacity];
    private int[] _typeCodes = new int[InitialCapacity];
    private int[] _statusCodes = new int[InitialCapacity];
    private double[] _prices = new double[InitialCapacity];
    private int[] _bedrooms = new int[InitialCapacity];
    private double[] _latitudes = new double[InitialCapacity];
    private double[] _longitudes = new double[InitialCapacity];

    public string TenantId { get; } = tenantId;

    public int Dimension { get; } = dimension;

    public int Count { get; private set; }

    /// <summary>Guards this shard: many concurrent searches, one writer.</summary>
    public ReaderWriterLockSlim Lock { get; } = new(LockRecursionPolicy.NoRecursion);

    /// <summary>Set by every change, cleared by a snapshot; tells the persister which shards to write.</summary>
    public bool Dirty { get; set; }

    public ReadOnlySpan<float> VectorAt(int row) => _vectors.AsSpan(row * Dimension, Dimension);

    public string IdAt(int row) => _ids[row];

    public VectorPayload PayloadAt(int row) => new(
        TenantId, _labels[_typeCodes[row]], _prices[row], _bedrooms[row], _latitudes[row], _longitudes[row], _labels[_statusCodes[row]]);

    public bool TryGetRow(string id, out int row) => _rowById.TryGetValue(id, out row);

    /// <summary>
    /// Inserts or overwrites; <paramref name="vector"/> must already be validated. <paramref name="isUnit"/> says it is a
    /// stored unit vector (from a snapshot) to copy bit for bit: normalising again could move its last bits.
    /// </summary>
    public void Upsert(string id, ReadOnlySpan<float> vector, VectorPayload payload, bool isUnit = false)
    {
        if (!_rowById.TryGetValue(id, out var row))
        {
            row = Count++;
            EnsureCapacity(Count);
            _rowById[id] = row;
            _ids[row] = id;
        }

        var destination = _vectors.AsSpan(row * Dimension, Dimension);
        if (isUnit)
        {
            vector.CopyTo(destination);
        }
        else
        {
            VectorMath.Normalize(vector, destination);
        }

        _typeCodes[row] = CodeOf(payload.PropertyType);
        _statusCodes[row] = CodeOf(payload.Status);
        _prices[row] = payload.Price;
        _bedrooms[row] = payload.Bedrooms;
        _latitudes[row] = payload.Latitude;
        _longitudes[row] = payload.Longitude;
        Dirty = true;
    }

    /// <summary>Swap-remove: the last row moves into the hole, so rows stay contiguous.</summary>
    public bool Delete(string id)
    {
        if (!_rowById.Remove(id, out var row))
        {
            return false;
        }

        var last = --Count;
        if (row != last)
        {
            _vectors.AsSpan(last * Dimension, Dimension).CopyTo(_vectors.AsSpan(row * Dimension, Dimension));
            _ids[row] = _ids[last];
            _typeCodes[row] = _typeCodes[last];
            _statusCodes[row] = _statusCodes[last];
            _prices[row] = _prices[last];
            _bedrooms[row] = _bedrooms[last];
            _latitudes[row] = _latitudes[last];
            _longitudes[row] = _longitudes[last];
            _rowById[_ids[row]] = row;
        }

        _ids[last] = null!;
        Dirty = true;
        return true;
    }

    /// <summary>Exact top-k by dot product over the rows the filter admits (cosine, since rows and query are unit vectors).</summary>
    public List<(int Row, float Score)> Search(ReadOnlySpan<float> unitQuery, int limit, CompiledFilter filter)
    {
        var top = new TopK(limit, this);
        var dimension = Dimension;
        var count = Count;
        var vectors = _vectors.AsSpan(0, count * dimension);
        for (var row = 0; row < count; row++)
        {
            if (filter.Admits(row))
            {
                top.Offer(row, TensorPrimitives.Dot(vectors.Slice(row * dimension, dimension), unitQuery));
            }
        }

        return top.ToSortedList();
    }

    /// <summary>The filter with its strings turned into this shard's label codes, so the scan compares integers.</summary>
    public CompiledFilter Compile(VectorFilter filter, IReadOnlyCollection<string>? alsoExcluded = null)
    {
        bool[]? allowedTypes = null;
        if (filter.PropertyTypes is { Count: > 0 } types)
        {
            allowedTypes = new bool[_labels.Count];
            foreach (var type in types)
            {
                if (_labelCodes.TryGetValue(type, out var code))
                {
                    allowedTypes[code] = true;
                }
            }
        }

        var statusCode = filter.Status is null ? -1 : _labelCodes.GetValueOrDefault(filter.Status, int.MinValue);

        HashSet<int>? excludedRows = null;
        foreach (var id in (filter.ExcludeIds ?? []).Concat(alsoExcluded ?? []))
        {
            if (_rowById.TryGetValue(id, out var row))
            {
                (excludedRows ??= []).Add(row);
            }
        }

        HashSet<int>? onlyRows = null;
        if (filter.OnlyIds is { } only)
        {
            onlyRows = [.. only.Where(_rowById.ContainsKey).Select(id => _rowById[id])];
        }

        var columns = new ShardColumns(_typeCodes, _statusCodes, _prices, _bedrooms, _latitudes, _longitudes);
        return new CompiledFilter(filter, columns, allowedTypes, statusCode, excludedRows, onlyRows);
    }

    private int CodeOf(string label)
    {
        if (!_labelCodes.TryGetValue(label, out var code))
        {
            code = _labels.Count;
            _labels.Add(label);
            _labelCodes[label] = code;
        }

        return code;
    }

    private void EnsureCapacity(int count)
    {
        if (count <= _ids.Length)
        {
            return;
        }

        var capacity = Math.Max(count, _ids.Length * 2);
        Array.Resize(ref _vectors, capacity * Dimension);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _typeCodes, capacity);
        Array.Resize(ref _statusCodes, capacity);
        Array.Resize(ref _prices, capacity);
        Array.Resize(ref _bedrooms, capacity);
        Array.Resize(ref _latitudes, capacity);
        Array.Resize(ref _longitudes, capacity);
    }

    /// <summary>A bounded min-heap of the best rows so far; ties broken by id so results are deterministic.</summary>
    private sealed class TopK(int limit, TenantShard shard)
    {
        private readonly List<(int Row, float Score)> _heap = new(Math.Min(limit, 1024));

        public void Offer(int row, float score)
        {
            if (_heap.Count < limit)
            {
                _heap.Add((row, score));
                SiftUp(_heap.Count - 1);
            }
            else if (Worse(_heap[0], (row, score)))
            {
                _heap[0] = (row, score);
                SiftDown(0);
            }
        }

        public List<(int Row, float Score)> ToSortedList()
        {
            _heap.Sort((a, b) => Worse(a, b) ? 1 : Worse(b, a) ? -1 : 0);
            return _heap;
        }

        // a ranks below b: lower score, or equal score and a larger id.
        private bool Worse((int Row, float Score) a, (int Row, float Score) b) =>
            a.Score < b.Score || (a.Score == b.Score && string.CompareOrdinal(shard.IdAt(a.Row), shard.IdAt(b.Row)) > 0);

        private void SiftUp(int i)
        {
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (!Worse(_heap[i], _heap[parent]))
                {
                    return;
                }

                (_heap[i], _heap[parent]) = (_heap[parent], _heap[i]);
                i = parent;
            }
        }

        private void SiftDown(int i)
        {
            while (true)
            {
                var smallest = i;
                var left = 2 * i + 1;
                var right = left + 1;
                if (left < _heap.Count && Worse(_heap[left], _heap[smallest]))
                {
                    smallest = left;
                }

                if (right < _heap.Count && Worse(_heap[right], _heap[smallest]))
                {
                    smallest = right;
                }

                if (smallest == i)
                {
                    return;
                }

                (_heap[i], _heap[smallest]) = (_heap[smallest], _heap[i]);
                i = smallest;
            }
        }
    }
}
