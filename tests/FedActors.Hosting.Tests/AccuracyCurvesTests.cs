using FedActors.Core;
using FedActors.Hosting.Reporting;

namespace FedActors.Hosting.Tests;

public sealed class AccuracyCurvesTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// A run of two arms over two tasks: fl+ssl pre-trains 3 SimCLR rounds then trains heads for 2;
    /// fl trains supervised for 4. Two clients per task, with accuracies that differ per client.
    /// </summary>
    private static List<MetricRecord> TwoArmRun(double shift = 0)
    {
        var rows = new List<MetricRecord>();
        string[][] clients = [["c0", "c1"], ["c2", "c3"]];
        string[] tasks = ["scenes", "digits"];
        for (var round = 1; round <= 3; round++)
        {
            foreach (var c in clients.SelectMany(x => x))
                rows.Add(new MetricRecord(round, Phases.SimClr, "fl+ssl", c, "", "fit_loss", 5.0 / round));
        }
        for (var t = 0; t < tasks.Length; t++)
        {
            for (var i = 0; i < 2; i++)
            {
                for (var round = 1; round <= 2; round++)
                    rows.Add(new MetricRecord(round, Phases.Heads, "fl+ssl", clients[t][i], tasks[t], MetricNames.Acc1, 0.3 + 0.1 * round + 0.1 * i + shift));
                for (var round = 1; round <= 4; round++)
                {
                    rows.Add(new MetricRecord(round, Phases.Supervised, "fl", clients[t][i], tasks[t], "fit_loss", 2.0 / round));
                    rows.Add(new MetricRecord(round, Phases.Supervised, "fl", clients[t][i], tasks[t], MetricNames.Acc1, 0.1 * round + 0.05 * t));
                }
            }
        }
        return rows;
    }

    [Fact]
    public void Curves_must_start_heads_after_the_arms_SimClr_rounds_and_average_clients_equally()
    {
        var curves = AccuracyCurves.Curves(TwoArmRun());

        Assert.Equal(["fl+ssl/digits", "fl+ssl/scenes", "fl/digits", "fl/scenes"], curves.Select(c => $"{c.Arm}/{c.Task}"));
        var ssl = curves[1];
        Assert.Equal([4.0, 5.0], ssl.Rounds);
        // Round 1: clients at 40% and 50%.
        Assert.Equal(45.0, ssl.Acc1Percent[0], 9);
        Assert.Equal(55.0, ssl.Acc1Percent[1], 9);
        var fl = curves[2];
        Assert.Equal([1.0, 2.0, 3.0, 4.0], fl.Rounds);
        Assert.Equal(15.0, fl.Acc1Percent[0], 9);
    }

    [Fact]
    public void Curves_must_draw_the_knn_monitor_at_its_SimClr_rounds()
    {
        var rows = TwoArmRun();
        // k-NN after SimCLR rounds 2 and 3: clients c0/c1 at 20/30 % then 30/40 %; the pooled client of cl+ssl for a task it probes.
        foreach (var (round, c, value) in new[] { (2, "c0", 0.2), (2, "c1", 0.3), (3, "c0", 0.3), (3, "c1", 0.4) })
            rows.Add(new MetricRecord(round, Phases.SimClr, "fl+ssl", c, "scenes", MetricNames.Knn, value));
        rows.Add(new MetricRecord(1, Phases.Heads, "fl+ssl", "c0", "scenes", MetricNames.Knn, 0.99)); // not a SimCLR row: ignored

        var curves = AccuracyCurves.Curves(rows);

        Assert.Equal(["fl+ssl/acc1/digits", "fl+ssl/acc1/scenes", "fl+ssl/knn/scenes", "fl/acc1/digits", "fl/acc1/scenes"],
            curves.Select(c => $"{c.Arm}/{c.Metric}/{c.Task}"));
        var knn = curves[2];
        Assert.Equal([2.0, 3.0], knn.Rounds); // SimCLR rounds, not shifted like the heads
        Assert.Equal(25.0, knn.Acc1Percent[0], 9);
        Assert.Equal(35.0, knn.Acc1Percent[1], 9);
    }

    [Fact]
    public void WritePng_must_write_a_png_that_changes_with_the_data()
    {
        using var dir = new TempDir();
        var first = Path.Combine(dir.Path, "a.png");
        var second = Path.Combine(dir.Path, "nested", "b.png");

        AccuracyCurves.WritePng(first, TwoArmRun());
        AccuracyCurves.WritePng(second, TwoArmRun(shift: 0.2));

        var a = File.ReadAllBytes(first);
        var b = File.ReadAllBytes(second);
        Assert.Equal(PngSignature, a.Take(PngSignature.Length));
        Assert.Equal(PngSignature, b.Take(PngSignature.Length));
        Assert.True(a.Length > 5_000, $"PNG is only {a.Length} bytes");
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void WritePng_must_write_a_plot_for_a_run_without_accuracy()
    {
        using var dir = new TempDir();
        var empty = Path.Combine(dir.Path, "empty.png");
        var sslOnly = Path.Combine(dir.Path, "ssl.png");

        AccuracyCurves.WritePng(empty, []);
        AccuracyCurves.WritePng(sslOnly, TwoArmRun().Where(r => r.Phase == Phases.SimClr).ToList());

        Assert.Equal(PngSignature, File.ReadAllBytes(empty).Take(PngSignature.Length));
        Assert.Equal(File.ReadAllBytes(empty), File.ReadAllBytes(sslOnly));
    }

    [Fact]
    public void ReadCsv_must_read_back_what_MetricRecord_writes()
    {
        using var dir = new TempDir();
        var rows = new List<MetricRecord>(TwoArmRun())
        {
            new(7, Phases.Heads, "arm, \"quoted\"", "client\nwith a line break", "task", "acc1", double.NaN),
            new(-1, Phases.Supervised, "fl", "c0", "", "fit_loss", 1e-300),
            new(2, Phases.Supervised, "fl", "c0", "t", "acc1", 0.1 + 0.2),
        };
        var path = dir.File("metrics.csv", MetricRecord.CsvHeader + "\n" + string.Concat(rows.Select(r => r.ToCsv() + "\n")));

        var read = AccuracyCurves.ReadCsv(path);

        Assert.Equal(rows, read);
    }

    [Fact]
    public void ReadCsv_must_accept_crlf_line_ends()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv", MetricRecord.CsvHeader + "\r\n1,heads,fl,c0,t,acc1,0.5\r\n");

        var read = Assert.Single(AccuracyCurves.ReadCsv(path));

        Assert.Equal(new MetricRecord(1, "heads", "fl", "c0", "t", "acc1", 0.5), read);
    }

    [Theory]
    [InlineData("1,heads,fl,c0,t,acc1\n", "line 3: expected 7 fields")]
    [InlineData("x,heads,fl,c0,t,acc1,0.5\n", "line 3: round 'x'")]
    [InlineData("1,heads,fl,c0,t,acc1,high\n", "line 3: value 'high'")]
    [InlineData("1,heads,\"fl,c0,t,acc1,0.5\n", "line 3: a quoted field is never closed")]
    [InlineData("1,heads,f\"l,c0,t,acc1,0.5\n", "line 3: a quote inside an unquoted field")]
    public void ReadCsv_must_reject_a_bad_row_naming_file_and_line(string badRow, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv", MetricRecord.CsvHeader + "\n1,heads,fl,c0,t,acc1,0.5\n" + badRow);

        var ex = Assert.Throws<FormatException>(() => AccuracyCurves.ReadCsv(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCsv_must_count_lines_inside_quoted_fields()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv", MetricRecord.CsvHeader + "\n1,heads,fl,\"c\n0\",t,acc1,0.5\n1,heads,fl,c0,t,acc1,?\n");

        var ex = Assert.Throws<FormatException>(() => AccuracyCurves.ReadCsv(path));

        Assert.Contains("line 4: value '?'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCsv_must_reject_a_file_without_the_header()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv", "1,heads,fl,c0,t,acc1,0.5\n");

        var ex = Assert.Throws<FormatException>(() => AccuracyCurves.ReadCsv(path));

        Assert.Contains("line 1: expected the header", ex.Message, StringComparison.Ordinal);
    }
}
