namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>Argument checks shared by the adapters, so both reject the same requests with the same exceptions.</summary>
internal static class VectorIndexGuards
{
    public static void EnsureTenant(string tenantId, string parameterName = "tenantId")
    {
        if (string.IsNullOrWhiteSpace(tenantId))
        {
            throw new ArgumentException("A tenant id is required; there is no cross-tenant access.", parameterName);
        }
    }

    public static void EnsureQuery(int limit, VectorFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        EnsureTenant(filter.TenantId, nameof(filter));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (filter.MinPrice > filter.MaxPrice)
        {
            throw new ArgumentException($"Filter MinPrice {filter.MinPrice} is above MaxPrice {filter.MaxPrice}.", nameof(filter));
        }

        if (filter.Radius is { } radius && (radius.RadiusKm <= 0 || !double.IsFinite(radius.RadiusKm)
            || Math.Abs(radius.Latitude) > 90 || Math.Abs(radius.Longitude) > 180))
        {
            throw new ArgumentException($"Filter Radius {radius} needs a positive radius and a valid latitude/longitude.", nameof(filter));
        }
    }

    public static void EnsurePoints(IReadOnlyList<VectorPoint> points, int dimension)
    {
        ArgumentNullException.ThrowIfNull(points);
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i] ?? throw new ArgumentException($"Point {i} is null.", nameof(points));
            if (string.IsNullOrEmpty(point.Id))
            {
                throw new ArgumentException($"Point {i} has no id.", nameof(points));
            }

            ArgumentNullException.ThrowIfNull(point.Payload);
            EnsureTenant(point.Payload.TenantId, nameof(points));
            ArgumentNullException.ThrowIfNull(point.Vector);
            VectorMath.EnsureValid(point.Vector, dimension, $"Point '{point.Id}' (tenant '{point.Payload.TenantId}')");
        }
    }

    public static void EnsureExamples(IReadOnlyList<string> positiveIds, IReadOnlyList<string> negativeIds)
    {
        ArgumentNullException.ThrowIfNull(positiveIds);
        ArgumentNullException.ThrowIfNull(negativeIds);
        if (positiveIds.Count == 0)
        {
            throw new ArgumentException("Recommend needs at least one positive example.", nameof(positiveIds));
        }
    }

    /// <summary>Qdrant's average-vector strategy: avg(positive) when there are no negatives, else 2·avg(positive) − avg(negative).</summary>
    public static float[] AverageVectorQuery(IReadOnlyList<float[]> positives, IReadOnlyList<float[]> negatives, int dimension)
    {
        var query = new float[dimension];
        var average = new float[dimension];
        Average(positives, average);
        System.Numerics.Tensors.TensorPrimitives.Add(query, average, query);
        if (negatives.Count > 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(query, average, query);
            Average(negatives, average);
            System.Numerics.Tensors.TensorPrimitives.Subtract(query, average, query);
        }

        return query;
    }

    private static void Average(IReadOnlyList<float[]> vectors, Span<float> destination)
    {
        destination.Clear();
        foreach (var vector in vectors)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(destination, vector, destination);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(destination, vectors.Count, destination);
    }
}
