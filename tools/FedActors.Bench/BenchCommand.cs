using System.Globalization;

namespace FedActors.Bench;

/// <summary>Parses <c>--figure NAME</c> and <c>--key value</c> options and runs the figure.</summary>
internal static class BenchCommand
{
    public static int Run(string[] args)
    {
        var options = BenchOptions.Parse(args);
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        switch (options.Figure)
        {
            case "fedavg": FedAvgFigure.Run(options); return 0;
            case "overhead": OverheadFigure.Run(options); return 0;
            case "rss": RssFigure.Run(options); return 0;
            case "rss-child": RssFigure.RunChild(options); return 0;
            case "train": TrainFigure.Run(options); return 0;
            case "train-child": TrainFigure.RunChild(options); return 0;
            case "datashare": DataShareFigure.Run(options); return 0;
            case "simclr": SimClrFigure.Run(options); return 0;
            case "rounds": RoundsFigure.Run(options); return 0;
            case "rounds-node": RoundsFigure.RunNode(options); return 0;
            case "strategies": StrategiesFigure.Run(options); return 0;
            case "strategies-child": StrategiesFigure.RunChild(options); return 0;
            default:
                Console.Error.WriteLine("usage: FedActors.Bench --figure fedavg|overhead|rss|train|datashare|simclr|rounds|strategies [--repeat N] [figure options]");
                return 2;
        }
    }
}

/// <summary>The command line as named values; each figure reads the ones it knows.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values;

    private BenchOptions(Dictionary<string, string> values) => _values = values;

    public string Figure => Get("figure", "");

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        return new BenchOptions(values);
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long[] Longs(string name, params long[] fallback) =>
        _values.TryGetValue(name, out var v) ? v.Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray() : fallback;

    public int[] Ints(string name, params int[] fallback) =>
        _values.TryGetValue(name, out var v) ? v.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : fallback;
}
