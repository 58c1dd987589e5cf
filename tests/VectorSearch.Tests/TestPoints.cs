using Platform.BuildingBlocks.VectorSearch;

namespace Platform.VectorSearch.Tests;

/// <summary>Seeded random properties around Oslo and a brute-force reference search written for clarity, not speed.</summary>
public static class TestPoints
{
    public const int Dimension = 16;
    public static readonly string[] Types = ["apartment", "house", "townhouse", "cabin"];
    public static readonly string[] Statuses = ["active", "sold"];

    public static List<VectorPoint> Random(string tenantId, int count, int seed, string idPrefix = "p")
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new VectorPoint(
            $"{idPrefix}-{i:D4}",
            RandomVector(random),
            new VectorPayload(
                tenantId,
                Types[random.Next(Types.Length)],
                Math.Round(1_000_000 + random.NextDouble() * 9_000_000),
                random.Next(0, 6),
                59.85 + random.NextDouble() * 0.2,
                10.6 + random.NextDouble() * 0.3,
                Statuses[random.Next(Statuses.Length)])))];
    }

    public static float[] RandomVector(Random random) =>
        [.. Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    /// <summary>The exact answer: cosine in double precision over the points the predicate keeps, best first.</summary>
    public static List<(string Id, double Score)> BruteForce(
        IEnumerable<VectorPoint> points, float[] query, int limit, Func<VectorPoint, bool> keep) =>
        [.. points.Where(keep)
            .Select(p => (p.Id, Score: Cosine(query, p.Vector)))
            .OrderByDescending(h => h.Score)
            .Take(limit)];

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(normA * normB);
    }

    /// <summary>Distance by the haversine formula, for the radius filter's reference.</summary>
    public static double Kilometers(double lat1, double lon1, double lat2, double lon2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Radians(lat2 - lat1) / 2), 2)
            + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Pow(Math.Sin(Radians(lon2 - lon1) / 2), 2);
        return 2 * 6371 * Math.Asin(Math.Sqrt(h));
    }
}
