using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Core.Tests;

public sealed class InOrderAggregationTests
{
    private static FitRes Res(string client, long n, params float[] w) =>
        new(client, 1, new ModelWeights([new NamedTensor("w", [w.Length], w)]), n, new Dictionary<string, double>());

    private static readonly ModelWeights Current = new([new NamedTensor("w", [3], new float[3])]);

    [Fact]
    public void Out_of_order_arrival_must_give_the_same_bits_as_arrival_in_order()
    {
        // Values whose float sum depends on the order they are added in.
        var rng = new Random(7);
        var results = Enumerable.Range(0, 9)
            .Select(i => Res($"c{i}", rng.Next(1, 50), (float)(rng.NextDouble() * 1e7), (float)(rng.NextDouble() - 0.5), i % 2 == 0 ? 3e30f : -3e30f))
            .ToList();
        var ids = results.Select(r => r.ClientId).ToList();

        string Streamed(IEnumerable<FitRes> arrival, int foldWidth)
        {
            var aggregation = new InOrderAggregation(ids, new FedAvg { FoldWidth = foldWidth }.BeginFit(1, Phases.SimClr, Current));
            foreach (var result in arrival) aggregation.Offer(result);
            return aggregation.Finish([]).ContentHash();
        }

        var inOrder = Streamed(results, 8);
        Assert.Equal(new FedAvg().AggregateFit(1, Phases.SimClr, Current, results, []).ContentHash(), inOrder);
        Assert.Equal(inOrder, Streamed(results.AsEnumerable().Reverse(), 8));
        for (var seed = 0; seed < 5; seed++)
        {
            var shuffled = results.ToArray();
            new Random(seed).Shuffle(shuffled);
            Assert.Equal(inOrder, Streamed(shuffled, 1 + seed));
        }
        // And the bits do depend on the order: a sum in another order differs, so the test can tell.
        var reversed = new FedAvgAccumulator(1);
        foreach (var r in results.AsEnumerable().Reverse()) reversed.Add(r.Weights, r.NumExamples);
        Assert.NotEqual(inOrder, reversed.Result(Current).ContentHash());
    }

    [Fact]
    public void Replies_in_order_must_be_added_at_once_and_never_wait()
    {
        var recorder = new Recorder();
        var aggregation = new InOrderAggregation(Enumerable.Range(0, 50).Select(i => $"c{i:D2}"), recorder);

        for (var i = 0; i < 50; i++)
        {
            if (i % 7 == 3) aggregation.Skip($"c{i:D2}");
            else aggregation.Offer(Res($"c{i:D2}", 1, i));
            Assert.Equal(0, aggregation.Waiting);
            Assert.Equal(recorder.Added.Count, aggregation.Added);
        }

        Assert.Equal(0, aggregation.MostWaiting);
        Assert.Equal(Enumerable.Range(0, 50).Where(i => i % 7 != 3).Select(i => $"c{i:D2}"), recorder.Added);
    }

    [Fact]
    public void Results_ahead_of_a_pending_client_must_wait_until_it_is_resolved()
    {
        var recorder = new Recorder();
        var aggregation = new InOrderAggregation(["b", "a", "d", "c"], recorder);

        aggregation.Offer(Res("c", 1, 3f));
        aggregation.Offer(Res("b", 1, 2f));
        Assert.Equal((2, 0), (aggregation.Waiting, aggregation.Added));   // "a" is pending

        aggregation.Skip("a");                                           // failed: the gap closes
        Assert.Equal(["b", "c"], recorder.Added);
        Assert.Equal(0, aggregation.Waiting);

        aggregation.Skip("b");                                           // already added: ignored
        var result = aggregation.Finish([]);                             // "d" never answered
        Assert.Equal(["b", "c"], recorder.Added);
        Assert.Equal(2, aggregation.MostWaiting);
        Assert.Same(Recorder.Global, result);
    }

    [Fact]
    public void A_result_must_be_offered_once_and_only_by_a_participant()
    {
        var aggregation = new InOrderAggregation(["a", "b"], new Recorder());
        aggregation.Offer(Res("b", 1, 1f));

        Assert.Throws<InvalidOperationException>(() => aggregation.Offer(Res("b", 1, 1f)));
        Assert.Throws<ArgumentException>(() => aggregation.Offer(Res("z", 1, 1f)));
        Assert.Throws<ArgumentException>(() => new InOrderAggregation(["a", "a"], new Recorder()));
        aggregation.Finish([]);
        Assert.Throws<InvalidOperationException>(() => aggregation.Skip("a"));
    }

    private sealed class Recorder : IFitAggregation
    {
        public static ModelWeights Global { get; } = new([new NamedTensor("w", [1], [0f])]);

        public List<string> Added { get; } = [];

        public void Add(FitRes result) => Added.Add(result.ClientId);

        public ModelWeights Result(IReadOnlyList<ClientFailure> failures) => Global;
    }
}
