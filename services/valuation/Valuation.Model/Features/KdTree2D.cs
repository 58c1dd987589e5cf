namespace Platform.Valuation.Model.Features;

/// <summary>
/// Exact k-nearest-neighbour search over planar points (kilometres), stored as an implicit balanced tree:
/// the median of each index range is the node, so there are no node objects and queries do not allocate.
/// </summary>
public sealed class KdTree2D
{
    private readonly double[] _x, _y;
    private readonly int[] _order;

    public KdTree2D(double[] x, double[] y, IReadOnlyList<int> members)
    {
        _x = x;
        _y = y;
        _order = [.. members];
        Build(0, _order.Length, 0);
    }

    public int Count => _order.Length;

    private void Build(int lo, int hi, int depth)
    {
        if (hi - lo <= 1) return;
        var keys = depth % 2 == 0 ? _x : _y;
        // Sorting primitive keys alongside the members is several times faster than a comparison delegate;
        // the result depends only on the input order, so the tree (and every neighbour list) is deterministic.
        var scratch = new double[hi - lo];
        for (int i = lo; i < hi; i++) scratch[i - lo] = keys[_order[i]];
        scratch.AsSpan().Sort(_order.AsSpan(lo, hi - lo));
        int mid = (lo + hi) >>> 1;
        Build(lo, mid, depth + 1);
        Build(mid + 1, hi, depth + 1);
    }

    /// <summary>Fills the nearest points (closest first) and their squared distances; returns how many were found.</summary>
    public int Query(double x, double y, Span<int> nearest, Span<double> distance2, int exclude = -1)
    {
        int found = 0;
        Search(0, _order.Length, 0, x, y, nearest, distance2, ref found, exclude);
        return found;
    }

    private void Search(int lo, int hi, int depth, double x, double y, Span<int> nearest, Span<double> d2, ref int found, int exclude)
    {
        if (lo >= hi) return;
        int mid = (lo + hi) >>> 1;
        int p = _order[mid];
        if (p != exclude)
        {
            double dx = _x[p] - x, dy = _y[p] - y;
            Insert(p, dx * dx + dy * dy, nearest, d2, ref found);
        }
        double diff = depth % 2 == 0 ? x - _x[p] : y - _y[p];
        bool leftFirst = diff <= 0;
        if (leftFirst) Search(lo, mid, depth + 1, x, y, nearest, d2, ref found, exclude);
        else Search(mid + 1, hi, depth + 1, x, y, nearest, d2, ref found, exclude);
        if (found < nearest.Length || diff * diff < d2[found - 1])
        {
            if (leftFirst) Search(mid + 1, hi, depth + 1, x, y, nearest, d2, ref found, exclude);
            else Search(lo, mid, depth + 1, x, y, nearest, d2, ref found, exclude);
        }
    }

    private static void Insert(int p, double dist2, Span<int> nearest, Span<double> d2, ref int found)
    {
        int k = nearest.Length;
        if (found == k && dist2 >= d2[k - 1]) return;
        int i = found < k ? found++ : k - 1;
        while (i > 0 && (d2[i - 1] > dist2 || (d2[i - 1] == dist2 && nearest[i - 1] > p)))
        {
            d2[i] = d2[i - 1];
            nearest[i] = nearest[i - 1];
            i--;
        }
        d2[i] = dist2;
        nearest[i] = p;
    }

    /// <summary>Planar kilometres around a reference latitude (equirectangular; fine at city scale).</summary>
    public static (double X, double Y) ToKilometres(double latitude, double longitude, double referenceLatitude) =>
        (longitude * 111.32 * Math.Cos(referenceLatitude * Math.PI / 180), latitude * 110.57);
}
