using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Engine;
using FedActors.Testing;

namespace FedActors.Cluster.Tests;

/// <summary>
/// Whole experiments across two actor systems in one process (127.0.0.1, ephemeral ports): a coordinator node and a
/// client node forming a cluster, clients reached through <see cref="RemoteClientProxy"/>.
/// </summary>
public sealed class RemoteClientsSpec : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(25);
    private const string Fast = """
        fedactors.cluster {
          failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 3s }
          split-brain-resolver.stable-after = 2s
          wait-for-clients = 20s
        }
        akka.loglevel = WARNING
        akka.cluster.log-info = off
        """;

    private readonly List<ActorSystem> _systems = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var system in _systems) await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
    }

    private ActorSystem Node(string role, ActorSystem? seed = null, string extra = "")
    {
        var seeds = seed is null ? "[]" : $"[\"{Akka.Cluster.Cluster.Get(seed).SelfAddress}\"]";
        var system = FedActorsNode.Create(
            ConfigurationFactory.ParseString($"fedactors.cluster {{ role = {role}, seed-nodes = {seeds} }}\n{extra}\n{Fast}"), "fedactors-spec");
        _systems.Add(system);
        return system;
    }

    private static EngineSettings Engine(string hocon) => EngineSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static ExperimentPlan Plan(int rounds, bool evaluate) => new(
        "fl",
        [new PhasePlan(Phases.SimClr, rounds, new Dictionary<string, string> { ["epochs"] = "1" }, evaluate)],
        new ModelWeights([new NamedTensor("backbone.w", [2], [0f, 10f])]));

    [Fact]
    public async Task Coordinator_must_run_rounds_with_clients_of_another_node()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        var c1 = FakeClient.Named("c1").Adds(1f).WithExamples(1);
        var c2 = FakeClient.Named("c2").Adds(4f).WithExamples(3);
        ClientNode.Host(clientNode, [c2, c1]);

        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 2, TimeSpan.FromSeconds(20));
        var globals = new List<ModelWeights>();
        var result = await Experiment.RunAsync(
            coordinator, Plan(rounds: 2, evaluate: true), clients, new FedAvg(), Engine("trainer-slots = 2\nround-timeout = 20s"),
            report => globals.Add(report.Global)).WaitAsync(Wait);

        Assert.Equal(["c1", "c2"], clients.Select(c => c.Id));
        Assert.All(clients, c => Assert.IsType<RemoteClientProxy>(c));
        Assert.Equal(2, result.Rounds.Count);
        Assert.Equal([3.25f, 13.25f], globals[0]["backbone.w"].Data); // (1*1 + 3*4) / 4, fetched back over the data plane
        Assert.Equal([6.5f, 16.5f], result.Final["backbone.w"].Data);
        Assert.All(result.Rounds, r => Assert.Empty(r.Failures));
        Assert.Equal(["c1", "c2"], result.Rounds[1].Evaluations.Select(e => e.ClientId));
        Assert.Equal([1, 2], c1.Fits.Select(f => f.Round));
        Assert.Equal([0f, 10f], c1.Fits[0].Global["backbone.w"].Data); // the global reached the client node intact
        Assert.Equal(2, c2.Evaluations.Count);
    }

    [Fact]
    public async Task Remote_fit_must_leave_the_update_on_the_client_node_until_the_coordinator_fetches_it()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        ClientNode.Host(clientNode, [FakeClient.Named("c1").Adds(2f)]);
        var proxy = Assert.Single(await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20)));
        var global = new ModelWeights([new NamedTensor("backbone.w", [2], [1f, 5f])]);

        var reply = proxy.Fit(new FitIns(1, Phases.SimClr, global, new Dictionary<string, string>()), CancellationToken.None);

        // Nothing crossed the data plane towards the coordinator yet: the reply says where the update is.
        Assert.Empty(reply.Weights);
        Assert.NotNull(reply.Pending);
        var fetched = reply.Fetched();
        Assert.Null(fetched.Pending);
        Assert.Equal([3f, 7f], fetched.Weights["backbone.w"].Data);
        Assert.Equal(reply.NumExamples, fetched.NumExamples);
    }

    [Fact]
    public async Task Data_planes_must_hold_a_constant_number_of_snapshots_over_a_long_run()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        ClientNode.Host(clientNode, [FakeClient.Named("c1").Adds(1f), FakeClient.Named("c2").Adds(2f)]);
        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 2, TimeSpan.FromSeconds(20));
        var coordinatorStore = FedActorsNode.Get(coordinator).Store;
        var clientStore = FedActorsNode.Get(clientNode).Store;
        var most = (Coordinator: 0, Client: 0);

        // Every round offers a new global (fit) and the next (evaluate); each client offers a new result.
        var result = await Experiment.RunAsync(
            coordinator, Plan(rounds: 200, evaluate: true), clients, new FedAvg(), Engine("trainer-slots = 2\nround-timeout = 20s"),
            _ => most = (Math.Max(most.Coordinator, coordinatorStore.Count), Math.Max(most.Client, clientStore.Count)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(200, result.Rounds.Count);
        Assert.All(result.Rounds, r => Assert.Empty(r.Failures));
        Assert.Equal(2, most.Coordinator); // the round's global and the next one
        Assert.Equal(2, most.Client); // each client's latest result
        Assert.Equal(2, coordinatorStore.Count);
        Assert.Equal(2, clientStore.Count);
    }

    [Fact]
    public async Task Coordinator_must_ignore_replies_another_node_forges_for_its_calls()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var honest = Node(ClusterSettings.ClientRole, seed: coordinator);
        var rogue = Node(ClusterSettings.ClientRole, seed: coordinator);
        using var gated = new GatedClient("c1", 1); // holds round 1 until the forger has done its worst
        ClientNode.Host(honest, [gated]);
        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20));
        var run = Experiment.RunAsync(
            coordinator, Plan(rounds: 1, evaluate: false), clients, new FedAvg(), Engine("trainer-slots = 1\nround-timeout = 60s"));
        Assert.True(gated.Entered(1).Wait(Wait), "the client never reached round 1");

        // The rogue offers poisoned weights and replies "fitted" to every call id it can think of.
        var poison = FedActorsNode.Get(rogue).Store.Offer("poison", new ModelWeights([new NamedTensor("backbone.w", [2], [666f, 666f])]));
        var forger = rogue.ActorOf(Props.Create(() => new Silent()), "forger");
        var directory = rogue.ActorSelection(new RootActorPath(Akka.Cluster.Cluster.Get(coordinator).SelfAddress) / "user" / ClientDirectoryActor.Name);
        for (long id = 1; id <= 20_000; id++)
            directory.Tell(new ClientHost.Fitted(id, 1, poison, 1_000, new Dictionary<string, double>()), forger);
        await Task.Delay(TimeSpan.FromSeconds(1)); // let the forgeries arrive before the real reply
        gated.Release(1);
        var result = await run.WaitAsync(Wait);

        var round = Assert.Single(result.Rounds);
        Assert.Empty(round.Failures);
        Assert.Equal([0f, 10f], result.Final["backbone.w"].Data); // c1's own reply (the global, unchanged), not the poison
    }

    [Fact]
    public async Task Coordinator_must_refuse_an_update_larger_than_the_global_it_sent_before_fetching_it()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        ClientNode.Host(clientNode, [FakeClient.Named("good").Adds(1f), new Bloating("big")]);
        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 2, TimeSpan.FromSeconds(20));
        var result = await Experiment.RunAsync(
            coordinator, Plan(rounds: 1, evaluate: false), clients, new FedAvg(),
            Engine("trainer-slots = 2\nround-timeout = 20s\nmin-fit-results = 1\non-failed-round = accept-partial")).WaitAsync(Wait);

        var failure = Assert.Single(Assert.Single(result.Rounds).Failures);
        Assert.Equal("big", failure.ClientId);
        Assert.Contains("larger than the", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(1, FedActorsNode.Get(clientNode).Store.MostConnections); // only the good update was fetched
        Assert.Equal([1f, 11f], result.Final["backbone.w"].Data);
    }

    [Fact]
    public async Task Remote_fit_must_stop_soon_after_its_round_gives_up_on_it()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        using var stubborn = new TrainsUntilCancelled("stubborn");
        ClientNode.Host(clientNode, [stubborn]);
        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20));

        // Its fit never ends by itself, so the 2 s deadline always passes while it trains.
        var result = await Experiment.RunAsync(
            coordinator, Plan(rounds: 1, evaluate: false), clients, new FedAvg(),
            Engine("trainer-slots = 1\nround-timeout = 2s\non-failed-round = accept-partial")).WaitAsync(Wait);
        var ended = Stopwatch.StartNew();

        Assert.StartsWith(FailureReasons.Deadline, Assert.Single(Assert.Single(result.Rounds).Failures).Reason, StringComparison.Ordinal);
        Assert.True(stubborn.Stopped.Wait(TimeSpan.FromSeconds(10)), "the remote fit was still training 10 s after its round gave up on it");
        Assert.True(ended.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Coordinator_must_refuse_a_remote_update_reporting_more_examples_than_its_announced_shard()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        ClientNode.Host(clientNode, [
            FakeClient.Named("honest").Adds(1f).WithShard(100).WithExamples(100),
            FakeClient.Named("inflated").Adds(1000f).WithShard(100).WithExamples(1_000_000_000),
        ]);
        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 2, TimeSpan.FromSeconds(20));
        var result = await Experiment.RunAsync(
            coordinator, Plan(rounds: 1, evaluate: false), clients, new FedAvg(),
            Engine("trainer-slots = 2\nround-timeout = 20s\nmin-fit-results = 1\non-failed-round = accept-partial")).WaitAsync(Wait);

        Assert.All(clients, c => Assert.Equal(100, ((IKnownShard)c).ShardSize(Phases.SimClr)));
        var failure = Assert.Single(Assert.Single(result.Rounds).Failures);
        Assert.Equal("inflated", failure.ClientId);
        Assert.Equal("rejected: examples: reports 1000000000 examples; its shard holds 100", failure.Reason);
        Assert.Equal([1f, 11f], result.Final["backbone.w"].Data);
    }

    [Fact]
    public async Task Coordinator_must_wait_for_the_minimum_of_clients_and_say_how_many_came()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        ClientNode.Host(clientNode, [FakeClient.Named("only")]);

        var e = await Assert.ThrowsAsync<TimeoutException>(
            () => ClusterCoordinator.WaitForClientsAsync(coordinator, 2, TimeSpan.FromSeconds(5)));

        Assert.Contains("1 of the 2 clients", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Round_must_fail_fast_for_the_clients_of_a_node_that_goes_away_and_the_run_go_on_per_policy()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator);
        using var stuck = new GatedClient("stuck", 2); // never released: blocks in round 2 until the node goes away
        ClientNode.Host(clientNode, [stuck]);
        var remote = await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20));
        var local = FakeClient.Named("local").Adds(2f);
        var reports = new List<RoundReport>();

        var watch = Stopwatch.StartNew();
        var run = Experiment.RunAsync(
            coordinator, Plan(rounds: 3, evaluate: false), [local, .. remote], new FedAvg(),
            Engine("trainer-slots = 2\nround-timeout = 60s\nmin-fit-results = 1\non-failed-round = accept-partial"),
            reports.Add);
        Assert.True(stuck.Entered(2).Wait(Wait), "the remote client never reached round 2");
        await clientNode.Terminate().WaitAsync(Wait); // the node goes away while its client trains
        var result = await run.WaitAsync(Wait);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}: the round waited for its deadline");
        Assert.Equal(3, result.Rounds.Count);
        Assert.Empty(result.Rounds[0].Failures);
        var failure = Assert.Single(result.Rounds[1].Failures);
        Assert.Equal("stuck", failure.ClientId);
        // The in-flight call fails either as "client node <address> left/unreachable" (the directory fails
        // the node's pending calls) or, when the directory has already dropped the node by the time the
        // call is answered, as "client 'stuck' is not connected", or, when the node's host cancels the fit as it
        // shuts down and its reply still gets out, as "cancelled: client node <address> is shutting down": all say
        // the node went away. A deadline ("no reply within") or any other reason fails the test.
        Assert.True(
            failure.Reason.Contains("client node", StringComparison.Ordinal) || failure.Reason.Contains("is not connected", StringComparison.Ordinal),
            $"unexpected failure reason: {failure.Reason}");
        Assert.Equal(["local"], result.Rounds[1].Fits.Select(f => f.ClientId));
        Assert.False(Assert.IsType<RemoteClientProxy>(Assert.Single(remote)).IsConnected);
        Assert.Empty(result.Rounds[2].Failures); // gone: not sampled any more, counted as unavailable
        Assert.Equal(1, result.Rounds[2].Counts.Unavailable);
        Assert.Equal(["local"], result.Rounds[2].Participants);
    }

    [Fact]
    public async Task Split_brain_resolver_must_down_and_remove_a_client_node_that_vanishes_without_leaving()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        // No coordinated shutdown: the node stops without telling the cluster, as a killed process would.
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator, extra: "akka.coordinated-shutdown.run-by-actor-system-terminate = off");
        ClientNode.Host(clientNode, [FakeClient.Named("c1")]);
        var proxy = Assert.Single(await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20)));
        var gone = Akka.Cluster.Cluster.Get(clientNode).SelfAddress;
        var cluster = Akka.Cluster.Cluster.Get(coordinator);

        await clientNode.Terminate().WaitAsync(Wait);
        var watch = Stopwatch.StartNew();
        while (cluster.State.Members.Any(m => m.Address == gone) && watch.Elapsed < Wait) await Task.Delay(100);

        Assert.DoesNotContain(cluster.State.Members, m => m.Address == gone);
        Assert.Empty(cluster.State.Unreachable);
        var global = new ModelWeights([new NamedTensor("w", [1], [0f])]);
        var e = Assert.Throws<RemoteClientException>(
            () => proxy.Fit(new FitIns(1, Phases.SimClr, global, new Dictionary<string, string>()), CancellationToken.None));
        Assert.Contains("not connected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restarted_client_node_must_rejoin_and_its_clients_take_part_again()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        // Stops without leaving, as a SIGKILLed process would.
        const string Abrupt = "akka.coordinated-shutdown.run-by-actor-system-terminate = off";
        var first = Node(ClusterSettings.ClientRole, seed: coordinator, extra: Abrupt);
        var before = FakeClient.Named("remote").Adds(1f);
        ClientNode.Host(first, [before]);
        var remote = await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20));
        using var pacer = new GatedClient("local", 3, 4);
        var reports = new List<RoundReport>();

        var run = Experiment.RunAsync(
            coordinator, Plan(rounds: 6, evaluate: false), [pacer, .. remote], new FedAvg(),
            Engine("trainer-slots = 2\nround-timeout = 60s\nmin-fit-results = 1\non-failed-round = accept-partial"),
            reports.Add);
        // Round 3: the node dies and is removed from the cluster while the round is open.
        Assert.True(pacer.Entered(3).Wait(Wait), "round 3 never started");
        var gone = Akka.Cluster.Cluster.Get(first).SelfAddress;
        await first.Terminate().WaitAsync(Wait);
        var cluster = Akka.Cluster.Cluster.Get(coordinator);
        var watch = Stopwatch.StartNew();
        while (cluster.State.Members.Any(m => m.Address == gone) && watch.Elapsed < Wait) await Task.Delay(100);
        Assert.DoesNotContain(cluster.State.Members, m => m.Address == gone);
        pacer.Release(3);
        // Round 4 runs without the node; meanwhile a new process (new address) hosts the same client id.
        Assert.True(pacer.Entered(4).Wait(Wait), "round 4 never started");
        var second = Node(ClusterSettings.ClientRole, seed: coordinator);
        var after = FakeClient.Named("remote").Adds(1f);
        ClientNode.Host(second, [after]);
        await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20)); // the directory knows it again
        pacer.Release(4);
        var result = await run.WaitAsync(Wait);

        Assert.Equal(6, result.Rounds.Count);
        Assert.Equal([1, 2], before.Fits.Select(f => f.Round).Where(r => r < 3));
        Assert.Empty(reports[3].Failures); // round 4, node gone: not sampled, counted as unavailable
        Assert.Equal(1, reports[3].Counts.Unavailable);
        Assert.Equal(["local"], reports[3].Participants);
        Assert.Equal([5, 6], after.Fits.Select(f => f.Round)); // the restarted node's client trains again
        Assert.All(reports.Skip(4), r => Assert.Equal(["local", "remote"], r.Fits.Select(f => f.ClientId)));
        Assert.All(reports.Skip(4), r => Assert.Empty(r.Failures));
    }

    [Fact]
    public async Task Client_whose_node_joins_after_round_1_must_take_part_from_then_on_and_a_refused_one_never()
    {
        var coordinator = Node(ClusterSettings.CoordinatorRole);
        var first = Node(ClusterSettings.ClientRole, seed: coordinator);
        var early = FakeClient.Named("early").Adds(1f);
        ClientNode.Host(first, [early]);
        var joined = await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20));
        var lateProxy = ClusterCoordinator.Proxy(coordinator, new ClientHost.HostedClient("late", "A"));
        var strangerProxy = ClusterCoordinator.Proxy(coordinator, new ClientHost.HostedClient("stranger", "A"));
        ClusterCoordinator.Admit(coordinator, c => c.Setup == "other" ? "runs another experiment" : null);
        using var pacer = new GatedClient("local", 2);
        var reports = new List<RoundReport>();

        var run = Experiment.RunAsync(
            coordinator, Plan(rounds: 4, evaluate: false), [pacer, .. joined, lateProxy, strangerProxy], new FedAvg(),
            Engine("trainer-slots = 4\nround-timeout = 60s"), reports.Add);
        Assert.True(pacer.Entered(2).Wait(Wait), "round 2 never started");
        var second = Node(ClusterSettings.ClientRole, seed: coordinator);
        var late = FakeClient.Named("late").Adds(1f);
        var stranger = FakeClient.Named("stranger").Adds(1f);
        ClientNode.Host(second, [late, stranger], c => new ClientHost.HostedClient(c.Id, c.Task, 0, c.Id == "stranger" ? "other" : ""));
        var watch = Stopwatch.StartNew();
        while (!lateProxy.IsConnected && watch.Elapsed < Wait) await Task.Delay(50);
        pacer.Release(2);
        var result = await run.WaitAsync(Wait);

        Assert.True(lateProxy.IsConnected, "the late client never connected");
        Assert.False(strangerProxy.IsConnected);
        Assert.All(reports.Take(2), r =>
        {
            Assert.Equal(["early", "local"], r.Participants);
            Assert.Equal(2, r.Counts.Unavailable);
            Assert.Empty(r.Failures);
        });
        Assert.All(reports.Skip(2), r =>
        {
            Assert.Equal(["early", "late", "local"], r.Participants);
            Assert.Equal(1, r.Counts.Unavailable); // the stranger, refused
        });
        Assert.Equal([3, 4], late.Fits.Select(f => f.Round));
        Assert.Empty(stranger.Fits);
        Assert.Equal(4, result.Rounds.Count);
    }

    [Fact]
    public async Task Akka_Remote_and_data_plane_must_run_rounds_over_mutual_tls_with_a_test_made_certificate()
    {
        using var certificates = new TestCertificates();
        var tls = certificates.Config("cluster");
        var coordinator = Node(ClusterSettings.CoordinatorRole, extra: tls);
        var clientNode = Node(ClusterSettings.ClientRole, seed: coordinator, extra: tls);
        var c1 = FakeClient.Named("c1").Adds(1f).WithExamples(1);
        ClientNode.Host(clientNode, [c1]);

        var clients = await ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(20));
        var result = await Experiment.RunAsync(
            coordinator, Plan(rounds: 2, evaluate: false), clients, new FedAvg(), Engine("trainer-slots = 1\nround-timeout = 20s")).WaitAsync(Wait);

        Assert.Equal("akka.ssl.tcp", Akka.Cluster.Cluster.Get(coordinator).SelfAddress.Protocol);
        Assert.Equal("akka.ssl.tcp", Akka.Cluster.Cluster.Get(clientNode).SelfAddress.Protocol);
        Assert.Equal([2f, 12f], result.Final["backbone.w"].Data); // two rounds of +1, weights both ways over TLS
        Assert.All(result.Rounds, r => Assert.Empty(r.Failures));
    }

    [Fact]
    public async Task Node_with_another_certificate_must_not_join_the_cluster()
    {
        using var certificates = new TestCertificates();
        var coordinator = Node(ClusterSettings.CoordinatorRole, extra: certificates.Config("cluster"));
        try
        {
            var intruder = Node(ClusterSettings.ClientRole, seed: coordinator, extra: certificates.Config("intruder"));
            ClientNode.Host(intruder, [FakeClient.Named("c1")]);
        }
        catch (InvalidOperationException stopping) when (stopping.Message.Contains("terminat", StringComparison.Ordinal))
        {
            // Now and then in a full CI run the intruder's own system was already shutting down: once 174 ms into the
            // test, at ClientNode.Host, and once (beside training, 2026-12-04) while FedActorsNode.Create was still
            // starting its extension ("ActorSystem already terminated"); not reproduced in 14 runs alone. A node that
            // stopped has not joined either: the assertions below still decide.
        }

        var e = await Assert.ThrowsAsync<TimeoutException>(
            () => ClusterCoordinator.WaitForClientsAsync(coordinator, 1, TimeSpan.FromSeconds(8)));

        Assert.Contains("0 of the 1 clients", e.Message, StringComparison.Ordinal);
        Assert.Single(Akka.Cluster.Cluster.Get(coordinator).State.Members);
    }

    /// <summary>A fit that trains (checks its cancellation every few milliseconds) until it is cancelled.</summary>
    private sealed class TrainsUntilCancelled(string id) : IFederatedClient, IDisposable
    {
        public string Id => id;
        public string Task => "A";

        /// <summary>Set once a fit saw its cancellation and stopped.</summary>
        public ManualResetEventSlim Stopped { get; } = new();

        public FitRes Fit(FitIns instructions, CancellationToken cancellation)
        {
            while (!cancellation.IsCancellationRequested) Thread.Sleep(5);
            Stopped.Set();
            throw new OperationCanceledException(cancellation);
        }

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) => new(Id, instructions.Round, 1, new Dictionary<string, double>());

        public void Dispose() => Stopped.Dispose();
    }

    /// <summary>Answers every fit with the global and a large tensor the global does not have.</summary>
    private sealed class Bloating(string id) : IFederatedClient
    {
        public string Id => id;
        public string Task => "A";

        public FitRes Fit(FitIns instructions, CancellationToken cancellation) => new(
            Id, instructions.Round, instructions.Global.With(new ModelWeights([new NamedTensor("extra", [100_000], new float[100_000])])),
            1, new Dictionary<string, double>());

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) => new(Id, instructions.Round, 1, new Dictionary<string, double>());
    }

    /// <summary>An actor that ignores what it is told (a sender for forged messages).</summary>
    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    /// <summary>
    /// Adds nothing; in each of <paramref name="rounds"/> it says so and waits until released, or until disposed (a node
    /// killed mid-training).
    /// </summary>
    private sealed class GatedClient(string id, params int[] rounds) : IFederatedClient, IDisposable
    {
        private readonly Dictionary<int, (ManualResetEventSlim Entered, ManualResetEventSlim Released)> _gates =
            rounds.ToDictionary(r => r, _ => (new ManualResetEventSlim(), new ManualResetEventSlim()));

        public string Id => id;
        public string Task => "A";

        public ManualResetEventSlim Entered(int round) => _gates[round].Entered;

        public void Release(int round) => _gates[round].Released.Set();

        public FitRes Fit(FitIns instructions, CancellationToken cancellation)
        {
            if (_gates.TryGetValue(instructions.Round, out var gate))
            {
                gate.Entered.Set();
                gate.Released.Wait(cancellation);
            }
            return new FitRes(Id, instructions.Round, instructions.Global, 1, new Dictionary<string, double>());
        }

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) =>
            new(Id, instructions.Round, 1, new Dictionary<string, double>());

        public void Dispose()
        {
            foreach (var (entered, released) in _gates.Values)
            {
                released.Set();
                released.Dispose();
                entered.Dispose();
            }
        }
    }
}
