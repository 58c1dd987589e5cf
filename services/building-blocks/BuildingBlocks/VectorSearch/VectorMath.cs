using System.Numerics.Tensors;

namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>Validation and normalisation shared by every adapter, so bad vectors fail the same way everywhere.</summary>
public static class VectorMath
{
    /// <summary>Mean earth radius in metres, used for radius filters (haversine).</summary>
    public const double EarthRadiusMeters = 6_371_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> unless the vector can be indexed.</summary>
    public static void EnsureValid(ReadOnlySpan<float> vector, int dimension, string what)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"{what}: the vector has {vector.Length} components; the index expects {dimension}.");
        }

        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new ArgumentException($"{what}: component {i} is {vector[i]}; vectors must be finite.");
            }
        }

        // Cosine similarity is undefined for the zero vector.
        if (TensorPrimitives.Norm(vector) is var norm && (norm == 0 || !float.IsFinite(norm)))
        {
            throw new ArgumentException($"{what}: the vector's length is {norm}; it cannot be normalised.");
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
}
