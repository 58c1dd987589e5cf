using System.Numerics.Tensors;

namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>Validation and normalisation shared by every adapter, so bad vectors fail the same way everywhere.</summary>
public static class VectorMath
{
    /// <summary>Mean earth radius in metres, used for radius filters (haversine).</summary>
    public const double EarthRadiusMeters = 6_371_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> (and <paramref name="field"/>) unless the vector can be indexed.</summary>
    public static void EnsureValid(ReadOnlySpan<float> vector, int dimension, string what, string? field = null)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"{what}: the vector has {vector.Length} components; the index expects {dimension}.", field);
        }

        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new ArgumentException($"{what}: component {i} is {vector[i]}; vectors must be finite.", field);
            }
        }

        // Cosine similarity is undefined for the zero vector.
        if (TensorPrimitives.Norm(vector) is var norm && (norm == 0 || !float.IsFinite(norm)))
        {
            throw new ArgumentException($"{what}: the vector's length is {norm}; it cannot be normalised.", field);
        }
    }

    /// <summary>Writes the unit vector of <paramref name="vector"/> to <paramref name="destination"/>.</summary>
    public static void Normalize(ReadOnlySpan<float> vector, Span<float> destination)
    {
        var norm = TensorPrimitives.Norm(vector);
        TensorPrimitives.Divide(vector, norm, destination);
    }

    public static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var unit = new float[vector.Length];
        Normalize(vector, unit);
        return unit;
    }

    /// <summary>Great-circle distance in metres.</summary>
    public static double HaversineMeters(double latitude1, double longitude1, double latitude2, double longitude2)
    {
        var dLat = DegreesToRadians(latitude2 - latitude1);
        var dLon = DegreesToRadians(longitude2 - longitude1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
            + Math.Cos(DegreesToRadians(latitude1)) * Math.Cos(DegreesToRadians(latitude2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static double DegreesToRadians(double degrees) => degrees * Math.PI / 180;

    /// <summary>Qdrant's average-vector strategy: avg(positive) when there are no negatives, else avg(positive) + avg(positive) − avg(negative).</summary>
    public static float[] AverageVectorQuery(IReadOnlyList<float[]> positives, IReadOnlyList<float[]> negatives, int dimension)
    {
        var query = new float[dimension];
        var average = new float[dimension];
        Average(positives, average);
        TensorPrimitives.Add(query, average, query);
        if (negatives.Count > 0)
        {
            TensorPrimitives.Add(query, average, query);
            Average(negatives, average);
            TensorPrimitives.Subtract(query, average, query);
        }

        return query;
    }

    /// <summary>
    /// Qdrant's best-score objective for one candidate, given its similarity to the best positive and the best negative
    /// (−∞ when there are no negatives): the positive similarity when it wins, else the negative one squared and negated.
    /// </summary>
    public static float BestScore(float bestPositive, float bestNegative) =>
        bestPositive > bestNegative ? bestPositive : -(bestNegative * bestNegative);

    private static void Average(IReadOnlyList<float[]> vectors, Span<float> destination)
    {
        destination.Clear();
        foreach (var vector in vectors)
        {
            TensorPrimitives.Add(destination, vector, destination);
        }

        TensorPrimitives.Divide(destination, vectors.Count, destination);
    }
}
