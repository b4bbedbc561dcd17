using System.Collections.Concurrent;
using System.Diagnostics;
using FedActors.Hosting;

namespace FedActors.Cli.Tests;

/// <summary>
/// <c>fedactors node</c> as real processes on 127.0.0.1 with ephemeral ports: one coordinator and one client node
/// per client. Every test is bounded in time and kills whatever child process is still alive when it ends.
/// </summary>
[Collection("torch")]
public sealed class ClusterTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    /// <summary>Three clients (two tasks), two rounds of federated supervised training of a tiny ResNet.</summary>
    private const string Experiment = """
        fedactors {
          seed = 5
          torch-threads = 1
          arms = ["fl"]
          model.width = 0.125
          supervised { rounds = 2, local-epochs = 2 }
          data.clients = [
            { id = "a", task = "shapes", images = 200 }
            { id = "b", task = "shapes", images = 200 }
            { id = "c", task = "textures", images = 200 }
          ]
          # Four processes share the test machine's cores: heartbeats were seen 4.5 s late under load, and a
          # live node marked unreachable would fail its calls. A killed node is still found within seconds.
          cluster.failure-detector.acceptable-heartbeat-pause = 10s
        }
        """;

    private static readonly (string Id, string Task)[] Clients = [("a", "shapes"), ("b", "shapes"), ("c", "textures")];

    [Fact]
    public async Task Cluster_of_client_processes_must_write_the_metrics_of_the_in_process_run()
    {
        using var run = new Processes("fedactors-cluster-eq-");
        var config = run.Write("experiment.conf", Experiment);

        var inProcess = run.Start("in-process", ["run", "--config", config, "--out", run.Path("in-process")]);
        await run.ExitsAsync(inProcess, "the in-process run", 0);

        var coordinator = await run.StartClusterAsync(config, "cluster", []);
        await run.ExitsAsync(coordinator, "the coordinator", 0);
        foreach (var (id, _) in Clients) await run.ExitsAsync(run.Node(id), $"client node {id} after the coordinator left", 0);

        var expected = File.ReadAllBytes(run.Path("in-process", "metrics.csv"));
        Assert.True(expected.Length > 100, "the in-process run wrote no metrics");
        Assert.Equal(expected, File.ReadAllBytes(run.Path("cluster", "metrics.csv")));
        run.Passed();
    }

    [Fact]
    public async Task Cluster_run_must_finish_per_round_policy_when_a_client_process_is_SIGKILLed()
    {
        using var run = new Processes("fedactors-cluster-kill-");
        var config = run.Write("experiment.conf", Experiment);
        // Client c's node SIGKILLs itself when asked to fit round 2, before it answers (a kill sent by this test on
        // c's "fit" line could land after a short fit had answered, and the run then had nothing to fail).
        var coordinator = await run.StartClusterAsync(
            config,
            "cluster",
            ["--set", "fedactors.engine.min-fit-results=2", "--set", "fedactors.engine.on-failed-round=accept-partial"],
            nodeEnvironment: id => id == "c" ? new Dictionary<string, string> { [KillSwitch.FitVariable] = "2" } : null);
        await run.ExitsAsync(run.Node("c"), "client node c killed at its round-2 fit", 128 + 9);

        await run.ExitsAsync(coordinator, "the coordinator", 0);
        Assert.True(File.Exists(run.Path("cluster", "summary.json")), "the run did not finish");
        var rows = File.ReadAllLines(run.Path("cluster", "metrics.csv"));
        Assert.Contains("2,supervised,fl,c,textures,failed,1", rows);
        Assert.DoesNotContain(rows, r => r.StartsWith("2,supervised,fl,c,textures,acc1,", StringComparison.Ordinal));
        foreach (var survivor in new[] { "a", "b" })
        {
            Assert.Contains(rows, r => r.StartsWith($"2,supervised,fl,{survivor},shapes,acc1,", StringComparison.Ordinal));
            await run.ExitsAsync(run.Node(survivor), $"client node {survivor} after the coordinator left", 0);
        }
        run.Passed();
    }

    [Fact]
    public async Task Coordinator_SIGKILLed_mid_run_and_resumed_must_write_the_metrics_of_the_in_process_run()
    {
        using var run = new Processes("fedactors-cluster-resume-");
        var config = run.Write("experiment.conf", Experiment.Replace("rounds = 2", "rounds = 4", StringComparison.Ordinal));
        var resumedAt = new ConcurrentQueue<string>();
        run.OnLine = (node, line) =>
        {
            if (node == "coordinator-resumed" && line.StartsWith("resuming ", StringComparison.Ordinal)) resumedAt.Enqueue(line);
        };
        var inProcess = run.Start("in-process", ["run", "--config", config, "--out", run.Path("in-process")]);
        await run.ExitsAsync(inProcess, "the in-process run", 0);

        // The coordinator SIGKILLs itself right after round 2's checkpoint (a kill sent by this test on its round-2 line
        // once landed after rounds 3 and 4 had ended on a loaded machine, and then nothing was resumed).
        var first = await run.StartClusterAsync(config, "cluster", [], environment: new Dictionary<string, string> { [KillSwitch.Variable] = "2" });
        await run.ExitsAsync(first, "the coordinator killed after round 2", 128 + 9);
        foreach (var (id, _) in Clients) run.Node(id).Kill(entireProcessTree: true);
        Assert.False(File.Exists(run.Path("cluster", "summary.json")), "the run finished although its coordinator was killed");

        // --resume takes the config from the run folder; client nodes start as before.
        var resumed = await run.StartClusterAsync(config, "cluster", ["--resume", run.Path("cluster")], incarnation: "-resumed");
        await run.ExitsAsync(resumed, "the resumed coordinator", 0);

        // It went on from the checkpoint, not from round 1 (which would write the same metrics too).
        Assert.EndsWith("after round 2", Assert.Single(resumedAt), StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(run.Path("in-process", "metrics.csv")), File.ReadAllBytes(run.Path("cluster", "metrics.csv")));
        run.Passed();
    }

    [Fact]
    public void Coordinator_must_refuse_an_arm_that_pools_data_before_joining_a_cluster()
    {
        var error = new StringWriter();
        var code = CliApp.Run(
            ["node", "--role", "coordinator", "--set", "fedactors.arms=[cl, \"fl+ssl\"]", "--out", System.IO.Path.Combine(System.IO.Path.GetTempPath(), Guid.NewGuid().ToString("N"))],
            new TestConsole(new StringWriter(), error));
        Assert.Equal(CliApp.BadInput, code);
        var text = error.ToString().Trim();
        Assert.Single(text.Split('\n'));
        Assert.Contains("fedactors.arms", text, StringComparison.Ordinal);
        Assert.Contains("'cl'", text, StringComparison.Ordinal);
    }

    /// <summary>The child processes of one test, its temporary folder and its time budget; disposing kills what is left.</summary>
    private sealed class Processes : IDisposable
    {
        private readonly string _root;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ConcurrentDictionary<string, Process> _started = new(StringComparer.Ordinal);
        private bool _passed;

        public Processes(string prefix) => _root = Directory.CreateTempSubdirectory(prefix).FullName;

        /// <summary>Called with (process name, line) for every line a child writes.</summary>
        public Action<string, string>? OnLine { get; set; }

        /// <summary>The test passed: its folder and logs may go.</summary>
        public void Passed() => _passed = true;

        public string Path(params string[] parts) => System.IO.Path.Combine([_root, .. parts]);

        public string Write(string name, string text)
        {
            File.WriteAllText(Path(name), text);
            return Path(name);
        }

        public Process Node(string name) => _started[name];

        public Process Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
        {
            var process = CliProcess.Start(args, Path(name + ".log"), line => OnLine?.Invoke(name, line), environment);
            _started[name] = process;
            return process;
        }

        /// <summary>
        /// Starts the coordinator (which waits for every client of the config: min-clients = 0), reads its address, then
        /// one client node per client, each hosting only its own. <paramref name="incarnation"/> tells the processes of a
        /// restarted cluster apart ("" the first time): they are named coordinator+incarnation and id+incarnation.
        /// <paramref name="environment"/> is set for the coordinator, <paramref name="nodeEnvironment"/>(client id) for a client node.
        /// </summary>
        public async Task<Process> StartClusterAsync(
            string config,
            string runDir,
            IReadOnlyList<string> coordinatorArgs,
            string incarnation = "",
            IReadOnlyDictionary<string, string>? environment = null,
            Func<string, IReadOnlyDictionary<string, string>?>? nodeEnvironment = null)
        {
            var name = "coordinator" + incarnation;
            var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var chained = OnLine;
            OnLine = (node, line) =>
            {
                const string Prefix = "cluster: coordinator ";
                if (node == name && line.StartsWith(Prefix, StringComparison.Ordinal))
                    address.TrySetResult(line[Prefix.Length..].Split([',', ' '], 2)[0]);
                chained?.Invoke(node, line);
            };
            var coordinator = Start(name, [
                "node", "--role", "coordinator", "--config", config, "--out", Path(runDir), "--port", "0",
                "--set", "fedactors.engine.trainer-slots=" + Clients.Length,
                .. coordinatorArgs,
            ], environment);
            var seed = await WithinBudget(address.Task, $"{name} never said its address");
            Assert.StartsWith("akka.tcp://fedactors@127.0.0.1:", seed, StringComparison.Ordinal);
            // Clients in id order: share k of N hosts the k-th.
            for (var k = 1; k <= Clients.Length; k++)
            {
                var id = Clients[k - 1].Id;
                Start(id + incarnation, ["node", "--role", "client", "--config", config, "--seed-nodes", seed, "--clients", $"{k}/{Clients.Length}"], nodeEnvironment?.Invoke(id));
            }
            return coordinator;
        }

        public async Task ExitsAsync(Process process, string what, int code)
        {
            using var timeout = new CancellationTokenSource(Remaining());
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{what} did not end within the test's {Budget.TotalMinutes:F0} minutes; logs in {_root}");
            }
            Assert.True(process.ExitCode == code, $"{what} exited with {process.ExitCode}, not {code}; logs in {_root}");
        }

        public async Task<T> WithinBudget<T>(Task<T> task, string failure)
        {
            await WithinBudget((Task)task, failure);
            return await task;
        }

        public async Task WithinBudget(Task task, string failure)
        {
            if (await Task.WhenAny(task, Task.Delay(Remaining())) != task) Assert.Fail($"{failure} within {Budget.TotalMinutes:F0} minutes; logs in {_root}");
        }

        public void Dispose()
        {
            foreach (var process in _started.Values)
            {
                try
                {
                    if (!process.HasExited) process.Kill(entireProcessTree: true);
                    process.WaitForExit(TimeSpan.FromSeconds(10));
                }
                catch (InvalidOperationException)
                {
                    // never started or already reaped
                }
                process.Dispose();
            }
            if (!_passed) return; // keep the logs the failure message points at
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }

        private TimeSpan Remaining()
        {
            var left = Budget - _clock.Elapsed;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }
}
