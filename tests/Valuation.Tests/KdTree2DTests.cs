using Platform.Valuation.Model.Features;

namespace Platform.Valuation.Tests;

public class KdTree2DTests
{
    [Fact]
    public void Finds_the_same_neighbours_as_brute_force()
    {
        var random = new Random(7);
        int n = 500;
        var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10).ToArray();
        var tree = new KdTree2D(x, y, Enumerable.Range(0, n).ToArray());
        Span<int> idx = stackalloc int[8];
        Span<double> d2 = stackalloc double[8];
        for (int q = 0; q < 50; q++)
        {
            double qx = random.NextDouble() * 10, qy = random.NextDouble() * 10;
            int found = tree.Query(qx, qy, idx, d2, exclude: q);
            var expected = Enumerable.Range(0, n).Where(i => i != q)
                .OrderBy(i => (x[i] - qx) * (x[i] - qx) + (y[i] - qy) * (y[i] - qy)).ThenBy(i => i).Take(8).ToArray();
            Assert.Equal(8, found);
            Assert.Equal(expected, idx.ToArray());
        }
    }
}
