using FedActors.Core.Strategies;

namespace FedActors.Core.Tests.Strategies;

/// <summary>Builders shared by the strategy tests: weights, results, seeded random updates.</summary>
internal static class StrategyData
{
    public static ModelWeights W(params (string Name, float[] Data)[] tensors) =>
        new(tensors.Select(t => new NamedTensor(t.Name, [t.Data.Length], t.Data)));

    public static FitRes Res(string client, long examples, ModelWeights weights, double? loss = null) =>
        new(client, 1, weights, examples, loss is { } l ? new Dictionary<string, double> { ["loss"] = l } : new Dictionary<string, double>());

    public static float[] Values(Random random, int length, double scale = 1) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();

    /// <summary>A model of the given tensor sizes, every tensor filled from <paramref name="random"/>.</summary>
    public static ModelWeights Model(Random random, params (string Name, int Length)[] tensors) =>
        new(tensors.Select(t => new NamedTensor(t.Name, [t.Length], Values(random, t.Length))));

    /// <summary>A copy of <paramref name="weights"/> with fresh arrays.</summary>
    public static ModelWeights Copy(ModelWeights weights) =>
        new(weights.Select(t => new NamedTensor(t.Name, t.Shape, (float[])t.Data.Clone())));

    /// <summary><paramref name="results"/> streamed through <see cref="IStreamingStrategy.BeginFit"/> in client-id order.</summary>
    public static ModelWeights Stream(IStreamingStrategy strategy, ModelWeights current, IEnumerable<FitRes> results)
    {
        var aggregation = strategy.BeginFit(1, Phases.SimClr, current);
        foreach (var result in results.OrderBy(r => r.ClientId, StringComparer.Ordinal)) aggregation.Add(result);
        return aggregation.Result([]);
    }

    /// <summary>Every float's bits equal.</summary>
    public static void SameBits(ModelWeights expected, ModelWeights actual)
    {
        Assert.Equal(expected.Names, actual.Names);
        foreach (var tensor in expected)
        {
            var other = actual[tensor.Name].Data;
            for (var i = 0; i < tensor.Data.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(tensor.Data[i]) != BitConverter.SingleToInt32Bits(other[i]))
                    Assert.Fail($"{tensor.Name}[{i}]: expected {tensor.Data[i]:R}, got {other[i]:R}");
            }
        }
    }

    /// <summary>Every value within <paramref name="relative"/> of the double reference (absolute below 1).</summary>
    public static void Close(IReadOnlyDictionary<string, double[]> expected, ModelWeights actual, double relative = 1e-5)
    {
        foreach (var (name, values) in expected)
        {
            var data = actual[name].Data;
            Assert.Equal(values.Length, data.Length);
            for (var i = 0; i < values.Length; i++)
            {
                var tolerance = relative * Math.Max(1, Math.Abs(values[i]));
                // Written so that a NaN fails.
                if (!(Math.Abs(values[i] - data[i]) <= tolerance))
                    Assert.Fail($"{name}[{i}]: expected {values[i]:R}, got {data[i]:R}");
            }
        }
    }
}
