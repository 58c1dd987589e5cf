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

        if (filter.MinBedrooms > filter.MaxBedrooms)
        {
            throw new ArgumentException($"Filter MinBedrooms {filter.MinBedrooms} is above MaxBedrooms {filter.MaxBedrooms}.", nameof(filter));
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

            var payload = point.Payload ?? throw new ArgumentException($"Point '{point.Id}' has no payload.", nameof(points));
            EnsureTenant(payload.TenantId, nameof(points));
            var what = $"Point '{point.Id}' (tenant '{payload.TenantId}')";
            if (payload.PropertyType is null || payload.Status is null)
            {
                throw new ArgumentException($"{what}: PropertyType and Status are required.", nameof(points));
            }

            if (!double.IsFinite(payload.Price))
            {
                throw new ArgumentException($"{what}: Price is {payload.Price}; it must be a finite number.", nameof(points));
            }

            if (!(Math.Abs(payload.Latitude) <= 90 && Math.Abs(payload.Longitude) <= 180))
            {
                throw new ArgumentException(
                    $"{what}: Latitude {payload.Latitude} / Longitude {payload.Longitude} is not a position on earth.", nameof(points));
            }

            if (point.Vector is null)
            {
                throw new ArgumentException($"{what}: Vector is required.", nameof(points));
            }

            VectorMath.EnsureValid(point.Vector, dimension, what);
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
