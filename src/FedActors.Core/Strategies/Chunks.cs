namespace FedActors.Core.Strategies;

/// <summary>
/// Splits element-wise work over tensors into fixed ranges that run in parallel, as <see cref="FedAvgAccumulator"/>
/// does. A range's result depends only on its own elements, so the bits never depend on the number of threads.
/// </summary>
internal static class Chunks
{
    /// <summary>Floats per work item: large enough to amortise scheduling, small enough to balance two cores.</summary>
    public const int Length = 64 * 1024;

    /// <summary>Every <c>(item, start, length)</c> range of at most <see cref="Length"/> elements, items in order.</summary>
    public static List<(T Item, int Start, int Length)> Split<T>(IEnumerable<T> items, Func<T, int> lengthOf)
    {
        var ranges = new List<(T, int, int)>();
        foreach (var item in items)
        {
            var length = lengthOf(item);
            for (var start = 0; start < length; start += Length) ranges.Add((item, start, Math.Min(Length, length - start)));
        }
        return ranges;
    }

    /// <summary>Runs <paramref name="body"/> on every range, in parallel on up to <paramref name="maxThreads"/> threads (null: one per core).</summary>
    public static void Run<T>(IReadOnlyList<(T Item, int Start, int Length)> ranges, int? maxThreads, Action<T, int, int> body)
    {
        var threads = maxThreads ?? Environment.ProcessorCount;
        if (ranges.Count <= 1 || threads <= 1)
        {
            foreach (var (item, start, length) in ranges) body(item, start, length);
            return;
        }
        Parallel.ForEach(ranges, new ParallelOptions { MaxDegreeOfParallelism = threads }, r => body(r.Item, r.Start, r.Length));
    }

    /// <summary>As <see cref="Run{T}"/>, with the index of each range in <paramref name="ranges"/> (for per-range partial results).</summary>
    public static void RunIndexed<T>(IReadOnlyList<(T Item, int Start, int Length)> ranges, int? maxThreads, Action<int, T, int, int> body)
    {
        var threads = maxThreads ?? Environment.ProcessorCount;
        if (ranges.Count <= 1 || threads <= 1)
        {
            for (var i = 0; i < ranges.Count; i++) body(i, ranges[i].Item, ranges[i].Start, ranges[i].Length);
            return;
        }
        Parallel.For(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => body(i, ranges[i].Item, ranges[i].Start, ranges[i].Length));
    }
}
