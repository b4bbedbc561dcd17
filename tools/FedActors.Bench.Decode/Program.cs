using System.Diagnostics;
using System.Globalization;
using FedActors.Data.Images;
using FedActors.Data.Loaders;

// Decodes the Intel scene train+test images at a given resolution with 1 and 2 (or --threads) decode
// threads and prints images per second. Each measurement uses a fresh decoder with no caches warm,
// after two untimed warm-up passes (JIT, file-system cache).
//   dotnet run -c Release --project tools/FedActors.Bench.Decode -- [--root DIR] [--resolution 64] [--threads 1,2] [--repeat 2]
var arguments = BenchArguments.Parse(args);
var root = arguments.Root ?? BenchArguments.FindSharedDataset("intel-scene-mini")
    ?? throw new DirectoryNotFoundException("intel-scene-mini not found: pass --root DIR (the folder holding train/ and test/)");
var options = new LoaderOptions(arguments.Resolution);

for (var warmUp = 0; warmUp < 2; warmUp++)
    IntelSceneLoader.Load(root, options, decoder: new ImageDecoder(new DecoderOptions { MaxDegreeOfParallelism = arguments.Threads.Max() }));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"decode {root} at {arguments.Resolution} px, {Environment.ProcessorCount} logical cores, {Environment.Version}"));
foreach (var threads in arguments.Threads)
{
    for (var run = 1; run <= arguments.Repeat; run++)
    {
        var decoder = new ImageDecoder(new DecoderOptions { MaxDegreeOfParallelism = threads });
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var data = IntelSceneLoader.Load(root, options, decoder: decoder);
        clock.Stop();
        // CPU time per image is the steadier figure on a shared machine: other load stretches wall time, not it.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var images = data.Train.Images.Count + data.Test.Images.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threads={threads} run={run} images={images} decoded={decoder.DecodedCount} seconds={clock.Elapsed.TotalSeconds:F3} img/s={images / clock.Elapsed.TotalSeconds:F0} cpu-ms/img={cpu.TotalMilliseconds / images:F2}"));
    }
}

internal sealed record BenchArguments(string? Root, int Resolution, int[] Threads, int Repeat)
{
    public static BenchArguments Parse(string[] args)
    {
        string? root = null;
        var resolution = 64;
        int[] threads = [1, 2];
        var repeat = 2;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--root": root = value; break;
                case "--resolution": resolution = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--threads": threads = value.Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--repeat": repeat = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (args.Length % 2 != 0) throw new ArgumentException($"option {args[^1]} has no value");
        return new BenchArguments(root, resolution, threads, repeat);
    }

    /// <summary>The shared developer datasets live beside the repository: &lt;repo&gt;/../shared/datasets.</summary>
    public static string? FindSharedDataset(string name)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "datasets", name);
                if (File.Exists(Path.Combine(dir.FullName, "FedActors.sln")) && Directory.Exists(candidate))
                    return Path.GetFullPath(candidate);
            }
        }
        return null;
    }
}
