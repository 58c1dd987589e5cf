using System.Numerics.Tensors;

namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// One tenant's points in one version of a space, as a struct of arrays: a contiguous matrix of unit vectors (row-major)
/// beside one column per declared payload field, so a search walks memory linearly and filters on primitives.
/// Not thread-safe: <see cref="EmbeddedVectorIndex"/> guards it with <see cref="Lock"/>.
/// </summary>
internal sealed class TenantShard
{
    private const int InitialCapacity = 64;

    private readonly Dictionary<string, int> _rowById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PayloadColumn> _columnByName = new(StringComparer.Ordinal);
    private readonly PayloadColumn[] _columns;
    private float[] _vectors;
    private string[] _ids = new string[InitialCapacity];

    public TenantShard(string tenantId, VectorSpace space)
    {
        TenantId = tenantId;
        Space = space;
        Dimension = space.Dimension;
        _vectors = new float[InitialCapacity * Dimension];
        _columns = [.. space.Fields.Select(f => PayloadColumn.For(f.Type))];
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i].Resize(InitialCapacity);
            _columnByName[space.Fields[i].Name] = _columns[i];
        }
    }

    public string TenantId { get; }

    public VectorSpace Space { get; }

    public int Dimension { get; }

    public int Count { get; private set; }

    /// <summary>Guards this shard: many concurrent searches, one writer.</summary>
    public ReaderWriterLockSlim Lock { get; } = new(LockRecursionPolicy.NoRecursion);

    /// <summary>Set by every change, cleared by a snapshot; tells the persister which shards to write.</summary>
    public bool Dirty { get; set; }

    public ReadOnlySpan<float> VectorAt(int row) => _vectors.AsSpan(row * Dimension, Dimension);

    public string IdAt(int row) => _ids[row];

    public PayloadColumn Column(string field) => _columnByName[field];

    public IReadOnlyDictionary<string, PayloadValue> PayloadAt(int row)
    {
        var payload = new Dictionary<string, PayloadValue>(_columns.Length, StringComparer.Ordinal);
        for (var i = 0; i < _columns.Length; i++)
        {
            payload[Space.Fields[i].Name] = _columns[i].Get(row);
        }

        return payload;
    }

    public bool TryGetRow(string id, out int row) => _rowById.TryGetValue(id, out row);

    /// <summary>
    /// Inserts or overwrites; the point must already be validated. <paramref name="isUnit"/> says it is a stored unit vector
    /// (from a snapshot) to copy bit for bit: normalising again could move its last bits.
    /// </summary>
    public void Upsert(string id, ReadOnlySpan<float> vector, IReadOnlyDictionary<string, PayloadValue> payload, bool isUnit = false)
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

        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i].Set(row, payload[Space.Fields[i].Name]);
        }

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
            foreach (var column in _columns)
            {
                column.Move(last, row);
            }

            _rowById[_ids[row]] = row;
        }

        _ids[last] = null!;
        Dirty = true;
        return true;
    }

    /// <summary>Exact top-k by dot product over the rows the filter admits (cosine, since rows and query are unit vectors).</summary>
    public List<(int Row, float Score)> Search(ReadOnlySpan<float> unitQuery, int limit, Func<int, bool>? admits)
    {
        var top = new TopK(limit, this);
        var dimension = Dimension;
        var vectors = _vectors.AsSpan(0, Count * dimension);
        for (var row = 0; row < Count; row++)
        {
            if (admits is null || admits(row))
            {
                top.Offer(row, TensorPrimitives.Dot(vectors.Slice(row * dimension, dimension), unitQuery));
            }
        }

        return top.ToSortedList();
    }

    /// <summary>Qdrant's best-score objective over the rows the filter admits: examples are unit vectors of this shard.</summary>
    public List<(int Row, float Score)> SearchBestScore(IReadOnlyList<float[]> positives, IReadOnlyList<float[]> negatives, int limit, Func<int, bool>? admits)
    {
        var top = new TopK(limit, this);
        for (var row = 0; row < Count; row++)
        {
            if (admits is not null && !admits(row))
            {
                continue;
            }

            var vector = VectorAt(row);
            var bestPositive = float.NegativeInfinity;
            foreach (var positive in positives)
            {
                bestPositive = Math.Max(bestPositive, TensorPrimitives.Dot(vector, positive));
            }

            var bestNegative = float.NegativeInfinity;
            foreach (var negative in negatives)
            {
                bestNegative = Math.Max(bestNegative, TensorPrimitives.Dot(vector, negative));
            }

            top.Offer(row, VectorMath.BestScore(bestPositive, bestNegative));
        }

        return top.ToSortedList();
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
        foreach (var column in _columns)
        {
            column.Resize(capacity);
        }
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
