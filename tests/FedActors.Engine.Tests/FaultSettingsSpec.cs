using Akka.Configuration;
using FedActors.Core;

namespace FedActors.Engine.Tests;

public class FaultSettingsSpec
{
    private static FaultSettings Read(string hocon, string? baseDirectory = null) =>
        FaultSettings.Create(ConfigurationFactory.ParseString(hocon), baseDirectory);

    private static FaultContext At(string client, int round, int attempt = 1, long seed = 7, string phase = Phases.SimClr) =>
        new(seed, client, phase, round, attempt);

    [Fact]
    public void FaultSettings_must_read_profiles_for_all_clients_single_clients_and_groups()
    {
        var settings = Read("""
            all-clients { drop-probability = 0.1 }
            clients = [
              { id = "slow", slowdown = 5.0 }
              { ids = ["p1", "p2"], drop-probability = 0.3, crash-probability = 0.2, availability = 0.5 }
            ]
            nominal-fit-time = 10s
            """);

        Assert.Equal(new FaultProfile(1, 1, 0.1, 0), settings.AllClients);
        Assert.Equal(new FaultProfile(5, 1, 0.1, 0), settings.ProfileOf("slow"));  // unset keys come from all-clients
        Assert.Equal(new FaultProfile(1, 0.5, 0.3, 0.2), settings.ProfileOf("p2"));
        Assert.Equal(settings.AllClients, settings.ProfileOf("anyone-else"));
        Assert.Equal(TimeSpan.FromSeconds(10), settings.NominalFitTime);
        Assert.True(settings.MayDrop);
        Assert.False(settings.IsNone);
    }

    [Fact]
    public void FaultSettings_must_default_to_no_faults()
    {
        var none = FaultSettings.Create(ConfigurationFactory.Empty);

        Assert.True(none.IsNone);
        Assert.False(none.MayDrop);
        Assert.True(Read("clients = []\navailability-trace = \"\"").IsNone);
        Assert.Equal(ClientFault.None, none.OnFit(At("c1", 1)));
        Assert.True(none.IsAvailable(At("c1", 1)));
    }

    [Theory]
    [InlineData("all-clients.drop-probability = 1.5", "fedactors.faults.all-clients.drop-probability")]
    [InlineData("all-clients.slowdown = 0", "fedactors.faults.all-clients.slowdown")]
    [InlineData("clients = [{ id = \"a\", crash-probability = -0.1 }]", "fedactors.faults.clients[0].crash-probability")]
    [InlineData("clients = [{ id = \"a\", availability = 2 }]", "fedactors.faults.clients[0].availability")]
    [InlineData("clients = [{ id = \"a\", drop-probabilty = 0.3 }]", "fedactors.faults.clients[0]: unknown key 'drop-probabilty'")]
    [InlineData("clients = [{ slowdown = 2 }]", "fedactors.faults.clients[0]: names no client")]
    [InlineData("clients = [{ id = \"a\" }, { ids = [\"b\", \"a\"] }]", "clients[1]: client 'a' is already named by clients[0]")]
    [InlineData("clients = [{ id = \"a\", slowdown = fast }]", "fedactors.faults.clients[0].slowdown")]
    [InlineData("nominal-fit-time = soon", "fedactors.faults.nominal-fit-time")]
    public void FaultSettings_must_reject_bad_values_naming_the_key(string hocon, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(hocon));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FaultSettings_must_read_the_documented_defaults_as_no_faults()
    {
        var sources = new List<(string Source, string Text)>();
        var part = Path.Combine(AppContext.BaseDirectory, "faults.conf.part");
        if (File.Exists(part)) sources.Add(("faults.conf.part", File.ReadAllText(part)));
        using (var stream = typeof(FaultSettings).Assembly.GetManifestResourceStream("FedActors.Engine.reference.conf"))
        {
            using var reader = new StreamReader(stream!);
            var reference = reader.ReadToEnd();
            if (ConfigurationFactory.ParseString(reference).HasPath("fedactors.faults")) sources.Add(("reference.conf", reference));
        }

        Assert.NotEmpty(sources);
        foreach (var (source, text) in sources)
        {
            var section = ConfigurationFactory.ParseString(text).GetConfig("fedactors.faults");
            Assert.False(section is null || section.IsEmpty, $"{source} has no fedactors.faults section");
            Assert.True(FaultSettings.Create(section).IsNone, $"{source}: the documented defaults inject faults");
        }
    }

    [Fact]
    public void FaultSettings_must_refuse_the_root_config()
    {
        var root = ConfigurationFactory.ParseString("fedactors.faults.all-clients.slowdown = 2");

        Assert.Throws<ConfigurationException>(() => FaultSettings.Create(root));
        Assert.Equal(2, FaultSettings.Create(root.GetConfig("fedactors.faults")).AllClients.Slowdown);
    }

    [Fact]
    public void FaultSettings_must_draw_the_same_faults_for_the_same_seed_and_others_for_another()
    {
        var settings = Read("all-clients { drop-probability = 0.3, crash-probability = 0.1, availability = 0.8 }");
        string Pattern(long seed) => string.Concat(
            from round in Enumerable.Range(1, 50)
            from client in new[] { "a", "b", "c" }
            let at = At(client, round, seed: seed)
            select settings.IsAvailable(at) ? settings.OnFit(at).Kind.ToString()[0] : '-');

        Assert.Equal(Pattern(7), Pattern(7));
        Assert.NotEqual(Pattern(7), Pattern(8));
    }

    [Fact]
    public void FaultSettings_must_draw_with_the_configured_probabilities_independently_per_attempt_and_phase()
    {
        var settings = Read("all-clients { drop-probability = 0.3, crash-probability = 0.1, availability = 0.6 }");
        var draws = (
            from round in Enumerable.Range(1, 400)
            from client in new[] { "a", "b", "c", "d", "e" }
            select At(client, round)).ToList();

        double Share(Func<FaultContext, bool> hit) => draws.Count(hit) / (double)draws.Count;
        Assert.InRange(Share(at => settings.OnFit(at) == ClientFault.Crash), 0.08, 0.12);
        Assert.InRange(Share(at => settings.OnFit(at) == ClientFault.Drop), 0.24, 0.30); // 0.3 of the 0.9 that did not crash
        Assert.InRange(Share(at => !settings.IsAvailable(at)), 0.37, 0.43);
        var retried = draws.Count(at => settings.OnFit(at).Kind != settings.OnFit(at with { Attempt = 2 }).Kind);
        var otherPhase = draws.Count(at => settings.OnFit(at).Kind != settings.OnFit(at with { Phase = Phases.Heads }).Kind);
        Assert.InRange(retried, 500, 1100);    // independent draws disagree about 2 x (0.1 x 0.9 + 0.27 x 0.73 + ...) of the time
        Assert.InRange(otherPhase, 500, 1100);
    }

    [Fact]
    public void FaultSettings_must_turn_slowdown_into_a_hold_of_real_or_nominal_time()
    {
        var measured = Read("clients = [{ id = \"slow\", slowdown = 5.0 }]");
        var nominal = Read("clients = [{ id = \"slow\", slowdown = 5.0 }]\nnominal-fit-time = 10s");

        Assert.Equal(ClientFault.Slow(5), measured.OnFit(At("slow", 1)));
        Assert.Equal(ClientFault.None, measured.OnFit(At("fast", 1)));
        Assert.Equal(ClientFault.Delay(TimeSpan.FromSeconds(50)), nominal.OnFit(At("slow", 1)));
        Assert.Equal(ClientFault.Delay(TimeSpan.FromSeconds(10)), nominal.OnFit(At("fast", 1)));
    }

    [Fact]
    public void ClientFault_must_hold_a_reply_by_slowdown_or_until_its_time_is_up()
    {
        var second = TimeSpan.FromSeconds(1);

        Assert.Equal(4 * second, ClientFault.Slow(5).Hold(work: second, sinceStart: 3 * second));
        Assert.Equal(TimeSpan.Zero, ClientFault.None.Hold(second, second));
        Assert.Equal(7 * second, ClientFault.Delay(10 * second).Hold(work: second, sinceStart: 3 * second));
        Assert.Equal(TimeSpan.Zero, ClientFault.Delay(10 * second).Hold(work: second, sinceStart: 12 * second));
    }

    [Fact]
    public void FaultSettings_must_apply_an_availability_trace_and_resolve_it_against_the_base_directory()
    {
        var dir = Directory.CreateTempSubdirectory("fedactors-trace-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "trace.txt"), """
                # who is online
                1: a b
                2: a, c   # comma works too
                heads/2: b
                3:
                """);
            var settings = Read("availability-trace = \"trace.txt\"", dir.FullName);

            Assert.Equal(["a", "b"], Available(settings, Phases.SimClr, 1));
            Assert.Equal(["a", "c"], Available(settings, Phases.SimClr, 2));
            Assert.Equal(["b"], Available(settings, Phases.Heads, 2));
            Assert.Empty(Available(settings, Phases.SimClr, 3));
            Assert.Equal(["a", "b", "c"], Available(settings, Phases.SimClr, 4)); // not listed: everyone
            Assert.Empty(settings.UnknownClients(["b", "a", "c", "y"]));
            Assert.Equal(["c"], settings.UnknownClients(["a", "b"]));
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        static string[] Available(FaultSettings s, string phase, int round) =>
            [.. new[] { "a", "b", "c" }.Where(c => s.IsAvailable(new FaultContext(1, c, phase, round, 1)))];
    }

    [Theory]
    [InlineData("1: a\nround two: b\n", ":2: 'round two' is not a round number")]
    [InlineData("1: a\n\n# fine\n3 a b\n", ":4: no ':' in '3 a b'")]
    [InlineData("1: a\n1: b\n", ":2: round '1' is listed twice")]
    [InlineData("0: a\n", ":1: '0' is not a round number")]
    [InlineData("/2: a\n", ":1: empty phase")]
    public void AvailabilityTrace_must_name_the_file_and_line_of_a_bad_line(string text, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fedactors-bad-trace-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        try
        {
            var error = Assert.Throws<ConfigurationException>(() => Read($"availability-trace = \"{path.Replace("\\", "\\\\", StringComparison.Ordinal)}\""));
            Assert.Contains("fedactors.faults.availability-trace", error.Message, StringComparison.Ordinal);
            Assert.Contains(path + expected, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AvailabilityTrace_must_name_a_missing_file()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("availability-trace = \"no/such/trace.txt\"", "/tmp"));

        Assert.Contains("fedactors.faults.availability-trace", error.Message, StringComparison.Ordinal);
        Assert.Contains("no/such/trace.txt", error.Message, StringComparison.Ordinal);
    }
}
