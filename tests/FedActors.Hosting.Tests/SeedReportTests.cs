using FedActors.Hosting.Reporting;

namespace FedActors.Hosting.Tests;

/// <summary>
/// Hand-computed over <see cref="FakeRuns.ThreeSeeds"/> (Acc@1 %, seeds 1, 2, 3):
/// cl shapes 50, 54, 52; cl textures 70, 72, 74; cl average 60, 63, 63;
/// fl+ssl shapes (a1 + 3 a2) / 4 = 45, 55, 65; fl+ssl textures 80, 78, 82; fl+ssl average 62.5, 66.5, 73.5;
/// wall seconds cl 10, 12, 14 and fl+ssl 20, 20, 26.
/// </summary>
public sealed class SeedReportTests
{
    private static readonly ReportColumn Shapes = ReportColumn.For("shapes");
    private static readonly ReportColumn Textures = ReportColumn.For("textures");

    private static SeedReport ThreeSeeds(TempDir dir) =>
        SeedReport.Create(FakeRuns.ThreeSeeds(dir.Path).Select(RunFolder.Read).ToList());

    [Fact]
    public void Spread_must_be_the_mean_and_the_sample_standard_deviation()
    {
        var s = Spread.Of([45, 55, 65])!;
        Assert.Equal(55, s.Mean, 12);
        Assert.Equal(10, s.Std!.Value, 12); // sqrt((100 + 0 + 100) / (3 - 1))
        Assert.Equal(3, s.N);
        Assert.Null(Spread.Of([61])!.Std);
        Assert.Null(Spread.Of([]));
    }

    [Fact]
    public void Report_must_order_runs_by_seed_and_arms_as_configured()
    {
        using var dir = new TempDir();
        var report = ThreeSeeds(dir);
        Assert.Equal([1L, 2L, 3L], report.Seeds);
        Assert.Equal(["cl", "fl+ssl"], report.Arms);
        Assert.Equal(["shapes", "textures", "average"], report.Columns.Select(c => c.Label));
        Assert.Equal("cl", report.BaselineArm);
    }

    [Fact]
    public void Task_values_must_weight_clients_by_images_as_the_run_summary_does()
    {
        using var dir = new TempDir();
        var report = ThreeSeeds(dir);
        // (60 * 100 + 40 * 300) / 400 = 45, not the unweighted (60 + 40) / 2 = 50.
        Assert.Equal(45, report.Acc1(1, "fl+ssl", Shapes)!.Value, 9);
        Assert.Equal(62.5, report.Acc1(1, "fl+ssl", ReportColumn.Average)!.Value, 9);
    }

    [Fact]
    public void Acc1_must_be_mean_and_std_over_seeds()
    {
        using var dir = new TempDir();
        var report = ThreeSeeds(dir);
        AssertSpread(52, 2, 3, report.Acc1("cl", Shapes));
        AssertSpread(72, 2, 3, report.Acc1("cl", Textures));
        AssertSpread(62, Math.Sqrt(3), 3, report.Acc1("cl", ReportColumn.Average));
        AssertSpread(55, 10, 3, report.Acc1("fl+ssl", Shapes));
        AssertSpread(80, 2, 3, report.Acc1("fl+ssl", Textures));
        AssertSpread(67.5, Math.Sqrt(31), 3, report.Acc1("fl+ssl", ReportColumn.Average));
    }

    [Fact]
    public void Delta_must_pair_the_seeds()
    {
        using var dir = new TempDir();
        var report = ThreeSeeds(dir);
        // Shapes per seed: 45 - 50, 55 - 54, 65 - 52 = -5, +1, +13. Unpaired, the std would be sqrt(10^2 + 2^2).
        Assert.Equal(-5, report.Delta(1, "fl+ssl", Shapes)!.Value, 9);
        AssertSpread(3, Math.Sqrt(84), 3, report.Delta("fl+ssl", Shapes));
        AssertSpread(8, 2, 3, report.Delta("fl+ssl", Textures)); // 10, 6, 8
        AssertSpread(5.5, Math.Sqrt(19), 3, report.Delta("fl+ssl", ReportColumn.Average)); // 2.5, 3.5, 10.5
        Assert.Null(report.Delta("cl", Shapes));
        Assert.Null(report.Delta(1, "cl", Shapes));
    }

    [Fact]
    public void Wins_must_count_the_seeds_the_arm_beats_the_baseline_in()
    {
        using var dir = new TempDir();
        var report = ThreeSeeds(dir);
        Assert.Equal(new Wins(2, 3), report.BeatsBaseline("fl+ssl", Shapes));
        Assert.Equal(new Wins(3, 3), report.BeatsBaseline("fl+ssl", Textures));
        Assert.Equal("2/3", report.BeatsBaseline("fl+ssl", Shapes)!.ToString());
        Assert.Null(report.BeatsBaseline("cl", Shapes));
    }

    [Fact]
    public void A_tie_with_the_baseline_must_not_count_as_a_win()
    {
        using var dir = new TempDir();
        // textures: fl+ssl 0.70 = cl 0.70 in seed 1, 0.80 > 0.70 in seed 2.
        var report = SeedReport.Create([
            RunFolder.Read(FakeRuns.Write(dir.Path, "s1", 1, FakeRuns.Arms(0.5, 0.70, 0.6, 0.4, 0.70, 10, 20))),
            RunFolder.Read(FakeRuns.Write(dir.Path, "s2", 2, FakeRuns.Arms(0.5, 0.70, 0.6, 0.4, 0.80, 10, 20))),
        ]);
        Assert.Equal(new Wins(1, 2), report.BeatsBaseline("fl+ssl", Textures));
    }

    [Fact]
    public void Arms_must_follow_the_configured_order_not_the_summarys()
    {
        using var dir = new TempDir();
        var run = FakeRuns.Write(dir.Path, "s1", 1, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20), "fedactors.arms=[\"fl+ssl\", cl]");
        Assert.Equal(["fl+ssl", "cl"], SeedReport.Create([RunFolder.Read(run)]).Arms);
    }

    [Fact]
    public void Wall_seconds_must_be_mean_and_std_per_arm()
    {
        using var dir = new TempDir();
        var report = ThreeSeeds(dir);
        AssertSpread(12, 2, 3, report.WallSeconds("cl"));
        AssertSpread(22, Math.Sqrt(12), 3, report.WallSeconds("fl+ssl"));
        Assert.Equal(26, report.WallSeconds(3, "fl+ssl"));
    }

    [Fact]
    public void A_single_run_must_report_no_std()
    {
        using var dir = new TempDir();
        var report = SeedReport.Create([RunFolder.Read(FakeRuns.ThreeSeeds(dir.Path)[0])]);
        AssertSpread(52, null, 1, report.Acc1("cl", Shapes));
    }

    [Fact]
    public void Runs_that_differ_in_a_key_other_than_the_seed_must_be_refused_naming_key_values_and_folders()
    {
        using var dir = new TempDir();
        var a = FakeRuns.Write(dir.Path, "lr1", 1, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20), "fedactors.heads.lr=0.01");
        var b = FakeRuns.Write(dir.Path, "lr2", 2, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20), "fedactors.heads.lr=0.02");
        var ex = Assert.Throws<ReportException>(() => SeedReport.Create([RunFolder.Read(a), RunFolder.Read(b)]));
        Assert.Contains("fedactors.heads.lr is '0.01' in '" + a + "' but '0.02' in '" + b + "'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_baseline_run_must_pool_with_runs_of_a_stage_2_setting_it_never_read_but_those_must_agree_among_themselves()
    {
        using var dir = new TempDir();
        var arms = FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20);
        var cl = FakeRuns.Write(dir.Path, "cl-s1", 1, [arms[0]], "fedactors.arms=[cl]", "fedactors.heads.lr=0.01");
        var fl1 = FakeRuns.Write(dir.Path, "fl-s1", 1, [arms[1]], "fedactors.arms=[\"fl+ssl\"]", "fedactors.heads.lr=0.02");
        var fl2 = FakeRuns.Write(dir.Path, "fl-s2", 2, [arms[1]], "fedactors.arms=[\"fl+ssl\"]", "fedactors.heads.lr=0.02");
        var fl3 = FakeRuns.Write(dir.Path, "fl-s3", 3, [arms[1]], "fedactors.arms=[\"fl+ssl\"]", "fedactors.heads.lr=0.03");

        var report = SeedReport.Create([RunFolder.Read(cl), RunFolder.Read(fl1), RunFolder.Read(fl2)]);
        Assert.Equal(["cl", "fl+ssl"], report.Arms);
        Assert.Equal([1L, 2L], report.Seeds);

        // Each fl+ssl run agrees with the cl run, which never reads heads.lr; they disagree with each other.
        var ex = Assert.Throws<ReportException>(() => SeedReport.Create([RunFolder.Read(cl), RunFolder.Read(fl1), RunFolder.Read(fl3)]));
        Assert.Contains("fedactors.heads.lr is '0.02' in '" + fl1 + "' but '0.03' in '" + fl3 + "'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("and in fedactors.simclr, fedactors.heads, fedactors.heads-strategy where one of the two holds no arm that reads them", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_that_differ_only_in_seed_and_output_folder_must_be_accepted()
    {
        using var dir = new TempDir();
        var runs = FakeRuns.ThreeSeeds(dir.Path, "fedactors.heads.lr=0.02").Select(RunFolder.Read).ToList();
        Assert.NotEqual(runs[0].Config.Value("fedactors.output.dir"), runs[1].Config.Value("fedactors.output.dir"));
        Assert.Equal(3, SeedReport.Create(runs).Runs.Count);
    }

    [Fact]
    public void Arms_run_apart_must_pool_as_if_run_together()
    {
        using var dir = new TempDir();
        // Each seed of ThreeSeeds split into a run of cl alone and a run of fl+ssl alone.
        var whole = ThreeSeeds(dir);
        var apart = new List<RunFolder>();
        foreach (var (seed, arms) in new[]
                 {
                     (3L, FakeRuns.Arms(0.52, 0.74, 0.80, 0.60, 0.82, 14, 26)),
                     (1L, FakeRuns.Arms(0.50, 0.70, 0.60, 0.40, 0.80, 10, 20)),
                     (2L, FakeRuns.Arms(0.54, 0.72, 0.70, 0.50, 0.78, 12, 20)),
                 })
        {
            apart.Add(RunFolder.Read(FakeRuns.Write(dir.Path, $"cl-s{seed}", seed, [arms[0]], "fedactors.arms=[cl]")));
            apart.Add(RunFolder.Read(FakeRuns.Write(dir.Path, $"fl-s{seed}", seed, [arms[1]], "fedactors.arms=[\"fl+ssl\"]")));
        }
        var report = SeedReport.Create(apart);

        Assert.Equal([1L, 2L, 3L], report.Seeds);
        Assert.Equal(["cl", "fl+ssl"], report.Arms);
        foreach (var column in report.Columns)
        {
            foreach (var arm in report.Arms)
            {
                Assert.Equal(whole.Acc1(arm, column), report.Acc1(arm, column));
                Assert.Equal(whole.Delta(arm, column), report.Delta(arm, column));
            }
        }
        Assert.Equal(whole.WallSeconds("fl+ssl"), report.WallSeconds("fl+ssl"));
        Assert.Contains("`: fl+ssl)", SeedReportWriter.Markdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_runs_of_one_arm_and_seed_must_be_refused_even_beside_other_arms()
    {
        using var dir = new TempDir();
        var both = FakeRuns.Write(dir.Path, "both", 7, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var cl = FakeRuns.Write(dir.Path, "cl", 7, [FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20)[0]], "fedactors.arms=[cl]");
        var ex = Assert.Throws<ReportException>(() => SeedReport.Create([RunFolder.Read(both), RunFolder.Read(cl)]));
        Assert.Contains($"'{both}' and '{cl}' both ran arm cl with seed 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_runs_of_one_seed_must_be_refused_naming_both_folders()
    {
        using var dir = new TempDir();
        var a = FakeRuns.Write(dir.Path, "first", 7, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var b = FakeRuns.Write(dir.Path, "again", 7, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var ex = Assert.Throws<ReportException>(() => SeedReport.Create([RunFolder.Read(a), RunFolder.Read(b)]));
        Assert.Contains($"'{a}' and '{b}' both ran arm cl with seed 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_folder_given_twice_must_be_refused_as_such()
    {
        using var dir = new TempDir();
        var a = FakeRuns.Write(dir.Path, "once", 7, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var ex = Assert.Throws<ReportException>(() => SeedReport.Create([RunFolder.Read(a), RunFolder.Read(a + "/")]));
        Assert.Contains($"'{a}' is given twice", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertSpread(double mean, double? std, int n, Spread? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(mean, actual.Mean, 9);
        if (std is null) Assert.Null(actual.Std);
        else Assert.Equal(std.Value, actual.Std!.Value, 9);
        Assert.Equal(n, actual.N);
    }
}
