using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Engine.Tests;

/// <summary>
/// The coordinator folds each update into a streaming strategy's aggregation as it arrives, in client-id order,
/// with clients that reply in a scripted order.
/// </summary>
public class StreamingAggregationSpec : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    // Shifts whose float sum depends on the order they are added in.
    private static readonly (string Id, float Shift, long Examples)[] Members =
        [("c1", 3e30f, 2), ("c2", 1f, 3), ("c3", -3e30f, 2), ("c4", 2.5f, 1), ("c5", 0.1f, 4)];

    private static readonly ModelWeights Initial = Weights.Of(("backbone.w", [1f, 2f, 3f]));

    /// <summary>The members, each calling <paramref name="awaitTurn"/> (client id, round) before it replies.</summary>
    private static List<IFederatedClient> Clients(Action<string, int> awaitTurn, ConcurrentQueue<string>? log = null) =>
        [.. Members.Select(m => (IFederatedClient)new ScriptedClient(m.Id, (ins, _) =>
        {
            var result = new FitRes(m.Id, ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v + m.Shift), m.Examples,
                new Dictionary<string, double> { ["loss"] = m.Shift });
            awaitTurn(m.Id, ins.Round);
            log?.Enqueue("replied " + m.Id);
            return result;
        }))];

    private Task<ExperimentResult> Run(
        string arm, List<IFederatedClient> clients, IStrategy strategy, int rounds = 1, string settings = "", Action<RoundReport>? onRound = null) =>
        Experiment.RunAsync(
            Sys,
            new ExperimentPlan(arm, [new PhasePlan(Phases.SimClr, rounds, new Dictionary<string, string>(), false)], Initial),
            clients,
            strategy,
            EngineSettings.Create(ConfigurationFactory.ParseString($"trainer-slots = {Members.Length}\n{settings}")),
            onRound).WaitAsync(Wait);

    [Fact]
    public async Task Coordinator_must_give_the_same_bits_whatever_order_the_updates_arrive_in()
    {
        var inOrder = new RecordingFedAvg();
        var reversed = new RecordingFedAvg();
        var shuffled = new RecordingFedAvg();
        var first = new ReplyOrder(Sys, "in-order", "c1", "c2", "c3", "c4", "c5");
        var second = new ReplyOrder(Sys, "reversed", "c5", "c4", "c3", "c2", "c1");
        var third = new ReplyOrder(Sys, "shuffled", "c3", "c5", "c1", "c4", "c2");

        var globals = new List<ModelWeights>();
        var a = await Run("in-order", Clients(first.AwaitTurn), inOrder, rounds: 2, onRound: r => globals.Add(r.Global));
        var b = await Run("reversed", Clients(second.AwaitTurn), reversed, rounds: 2);
        var c = await Run("shuffled", Clients(third.AwaitTurn), shuffled, rounds: 2);

        Assert.All([first, second, third], order => Assert.Equal(order.Expected(rounds: 2), order.Replies)); // they did arrive so
        Assert.Equal(a.Final.ContentHash(), b.Final.ContentHash());
        Assert.Equal(a.Final.ContentHash(), c.Final.ContentHash());
        foreach (var strategy in new[] { inOrder, reversed, shuffled })
            Assert.Equal(["c1", "c2", "c3", "c4", "c5", "c1", "c2", "c3", "c4", "c5"], strategy.Added);
        // The streamed aggregate is the one FedAvg computes from all results at once.
        var fits = Members.Select(m => new FitRes(m.Id, 1, Weights.Map(Initial, _ => true, (_, v) => v + m.Shift), m.Examples,
            new Dictionary<string, double>())).ToList();
        Assert.Equal(new FedAvg().AggregateFit(1, Phases.SimClr, Initial, fits, []).ContentHash(), globals[0].ContentHash());
        // The report keeps each result's metrics, not its weights.
        Assert.Equal(["c1", "c2", "c3", "c4", "c5"], a.Rounds[0].Fits.Select(f => f.ClientId));
        Assert.All(a.Rounds[0].Fits, f => Assert.Empty(f.Weights));
    }

    [Fact]
    public async Task Coordinator_must_fold_each_update_before_the_next_client_replies_when_replies_come_in_order()
    {
        // Each client replies only once the update before it has been folded in: the round completes only if
        // nothing waits for the end of the round, i.e. no update is ever buffered.
        var log = new ConcurrentQueue<string>();
        var strategy = new RecordingFedAvg(log);
        void AfterThePreviousWasAdded(string id, int round)
        {
            var previous = Members.TakeWhile(m => m.Id != id).Select(m => m.Id).LastOrDefault();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (previous is not null && !strategy.Added.Contains(previous))
            {
                if (waited.Elapsed > Wait) throw new TimeoutException($"'{previous}' was not folded in within {Wait}");
                Thread.Sleep(1);
            }
        }

        var result = await Run("folding", Clients(AfterThePreviousWasAdded, log), strategy);

        Assert.Equal(
            ["replied c1", "added c1", "replied c2", "added c2", "replied c3", "added c3", "replied c4", "added c4", "replied c5", "added c5"],
            log);
        Assert.Equal(5, result.Rounds[0].Fits.Count);
    }

    [Fact]
    public async Task Coordinator_must_reject_a_streamed_update_and_fold_the_others_in_order()
    {
        var strategy = new RecordingFedAvg();
        var order = new ReplyOrder(Sys, "rejecting", "c5", "c4", "c2", "c1");
        var clients = Clients(order.AwaitTurn); // c3 replies at once, and badly
        clients[2] = new ScriptedClient("c3", (ins, _) => new FitRes("c3", ins.Round, Weights.Of(("backbone.w", [float.NaN, 0f, 0f])), 1,
            new Dictionary<string, double>()));

        var result = await Run("rejecting", clients, strategy, settings: "min-fit-results = 4");

        Assert.Equal(order.Expected(rounds: 1), order.Replies);
        Assert.Equal(["c1", "c2", "c4", "c5"], strategy.Added);
        var round = result.Rounds[0];
        Assert.Equal(["c1", "c2", "c4", "c5"], round.Fits.Select(f => f.ClientId));
        Assert.Equal("c3", Assert.Single(round.Failures).ClientId);
        Assert.StartsWith(FailureReasons.Rejected, round.Failures[0].Reason, StringComparison.Ordinal);
        Assert.Equal(1, round.Counts.Rejected);
    }

    [Fact]
    public async Task Coordinator_must_fetch_pending_updates_in_fold_order_holding_no_more_than_the_window()
    {
        // Replies come last-first, each with its update left pending (as a remote client's). Fetched eagerly, all five
        // would be held until c1's arrives; within a window of 1 the coordinator holds at most two at a time.
        var strategy = new RecordingFedAvg();
        var order = new ReplyOrder(Sys, "pending", "c5", "c4", "c3", "c2", "c1");
        var fetches = new PendingLog(strategy);
        var result = await Run("pending", Pending(Clients(order.AwaitTurn), fetches), strategy, rounds: 2, settings: "fetch-window = 1");
        var eager = await Run("eager", Clients(new ReplyOrder(Sys, "eager", "c5", "c4", "c3", "c2", "c1").AwaitTurn), new FedAvg(), rounds: 2);

        Assert.Equal(order.Expected(rounds: 2), order.Replies);
        Assert.Equal(10, fetches.Fetched);
        Assert.InRange(fetches.MostHeld, 1, 2);
        Assert.Equal(eager.Final.ContentHash(), result.Final.ContentHash());
        Assert.Equal(["c1", "c2", "c3", "c4", "c5", "c1", "c2", "c3", "c4", "c5"], strategy.Added);
        Assert.All(result.Rounds, r => Assert.Equal(5, r.Fits.Count));
    }

    [Fact]
    public async Task Coordinator_must_fetch_every_pending_update_for_a_strategy_that_buffers()
    {
        var fetches = new PendingLog(null);
        var order = new ReplyOrder(Sys, "buffered", "c5", "c4", "c3", "c2", "c1");
        var pending = await Run("buffered", Pending(Clients(order.AwaitTurn), fetches), new FedMedian(), settings: "fetch-window = 1");
        var eager = await Run("buffered-eager", Clients((_, _) => { }), new FedMedian());

        Assert.Equal(5, fetches.Fetched);
        Assert.Equal(eager.Final.ContentHash(), pending.Final.ContentHash());
    }

    [Fact]
    public async Task Coordinator_must_count_an_update_that_cannot_be_fetched_as_a_failure_and_fold_the_others()
    {
        var strategy = new RecordingFedAvg();
        var clients = Pending(Clients((_, _) => { }), new PendingLog(strategy, failing: "c2"));

        var result = await Run("unfetchable", clients, strategy, settings: "min-fit-results = 4");

        Assert.Equal(["c1", "c3", "c4", "c5"], strategy.Added);
        var round = result.Rounds[0];
        Assert.Equal(["c1", "c3", "c4", "c5"], round.Fits.Select(f => f.ClientId));
        var failure = Assert.Single(round.Failures);
        Assert.Equal("c2", failure.ClientId);
        Assert.Equal("fetching its update failed: the node of c2 is gone", failure.Reason);
        Assert.Equal(1, round.Counts.Failed);
        Assert.Equal(0, round.Counts.Rejected);
    }

    /// <summary>The clients, each replying with its update left pending in <paramref name="log"/>.</summary>
    private static List<IFederatedClient> Pending(List<IFederatedClient> clients, PendingLog log) =>
        [.. clients.Select(c => (IFederatedClient)new ScriptedClient(c.Id, (ins, ct) =>
        {
            var fit = c.Fit(ins, ct);
            return fit with { Weights = ModelWeights.Empty, Pending = log.Hold(fit) };
        }))];

    /// <summary>
    /// Pending updates, and how many the coordinator has fetched and not yet had folded in (its aggregation adds on the
    /// coordinator's thread, where fetches start): the most it held at once.
    /// </summary>
    private sealed class PendingLog(RecordingFedAvg? folding, string? failing = null)
    {
        private int _fetched;

        public int Fetched => Volatile.Read(ref _fetched);

        public int MostHeld { get; private set; }

        public IPendingUpdate Hold(FitRes fit) => new Update(this, fit);

        private sealed class Update(PendingLog log, FitRes fit) : IPendingUpdate
        {
            public Task<ModelWeights> FetchAsync(CancellationToken cancellation)
            {
                if (fit.ClientId == log._failing) return Task.FromException<ModelWeights>(new IOException($"the node of {fit.ClientId} is gone"));
                var fetched = Interlocked.Increment(ref log._fetched);
                if (log._folding is { } folding) log.MostHeld = Math.Max(log.MostHeld, fetched - folding.Added.Count);
                return Task.FromResult(fit.Weights);
            }
        }

        private readonly RecordingFedAvg? _folding = folding;
        private readonly string? _failing = failing;
    }

    /// <summary>FedAvg that logs every result its aggregations are given.</summary>
    private sealed class RecordingFedAvg(ConcurrentQueue<string>? log = null) : FedAvg
    {
        public ConcurrentQueue<string> Added { get; } = new();

        public override IFitAggregation BeginFit(int round, string phase, ModelWeights current) =>
            new Recording(base.BeginFit(round, phase, current), this);

        private sealed class Recording(IFitAggregation inner, RecordingFedAvg owner) : IFitAggregation
        {
            public void Add(FitRes result)
            {
                inner.Add(result);
                owner.Added.Enqueue(result.ClientId);
                owner._log?.Enqueue("added " + result.ClientId);
            }

            public ModelWeights Result(IReadOnlyList<ClientFailure> failures) => inner.Result(failures);
        }

        private readonly ConcurrentQueue<string>? _log = log;
    }
}
