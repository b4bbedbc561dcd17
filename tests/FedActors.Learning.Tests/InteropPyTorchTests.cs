using System.Diagnostics;
using FedActors.Core;
using FedActors.Learning.Interop;
using FedActors.Learning.Models;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>
/// The exported files in real PyTorch: <c>torch.load</c> + torchvision's <c>load_state_dict(strict=True)</c>, and the
/// same logits as ours; and the other way, a <c>torch.save</c>d torchvision model through <see cref="PyTorchImport"/>.
/// Needs a Python with torch and torchvision (Debian: python3-torch, python3-torchvision); skipped without one.
/// </summary>
[Collection("torch")]
public sealed class InteropPyTorchTests : IDisposable
{
    private const int Classes = 3;
    private readonly InteropTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>One Python run (its start-up is most of the cost) checks both directions.</summary>
    [PyTorchFact]
    public void Torchvision_must_load_our_exports_strictly_and_we_must_load_its_torch_save_with_the_same_outputs()
    {
        var spec = InteropTests.TorchvisionSpec(ResNetArchitecture.ResNet18);
        var global = InteropTests.Trained(ModelFactory.InitialGlobal(spec, new Dictionary<string, int> { ["scenes"] = Classes }, seed: 11));
        var dir = Directory.CreateDirectory(_dir.File("out")).FullName;
        foreach (var format in new[] { StateDictFormat.Pt, StateDictFormat.Safetensors })
            RunExport.ExportWeights(global, "r18", dir, new ExportOptions { Format = format, HeadTask = "scenes" });
        StateDictFile.Write(PyTorchExport.Heads(global), Path.Combine(dir, "r18.heads.pt"), StateDictFormat.Pt);
        // Key order must be torchvision's too: a narrow resnet50 has its keys (not its shapes).
        var r50 = ModelFactory.InitialGlobal(TestData.TinySpec with { Architecture = ResNetArchitecture.ResNet50, Blocks = null },
            new Dictionary<string, int> { ["scenes"] = Classes }, seed: 1);
        RunExport.ExportWeights(r50, "r50", dir, new ExportOptions { HeadTask = "scenes" });
        random.manual_seed(3);
        using var input = randn(2, 3, 64, 64);
        var logits = Forward(spec, PyTorchExport.Backbone(global, "scenes"), "", input, Classes);
        StateDictFile.Write(new ModelWeights([StateDict.ToNamedTensor("x", input), logits]), Path.Combine(dir, "io.pt"), StateDictFormat.Pt);

        // PyTorch loads our files strictly and compares logits, then torch.saves a torchvision resnet18 of its own.
        var output = RunPython(Script, dir);

        Assert.Contains("exports ok", output, StringComparison.Ordinal);
        var backbone = PyTorchImport.LoadBackbone(Path.Combine(dir, "tv.pt"), spec);
        var io = StateDictFile.Read(Path.Combine(dir, "tv-io.pt"));
        var x = io["x"];
        using var tvInput = tensor(x.Data, x.Shape.Select(d => (long)d).ToArray());
        var features = Forward(spec, backbone, WeightNames.Backbone, tvInput, numClasses: null);
        Assert.Equal([5f], backbone["backbone.layer1.0.bn1.num_batches_tracked"].Data);
        var expected = io["y"].Data;
        Assert.Equal(expected.Length, features.Data.Length);
        var scale = Math.Max(1f, expected.Max(Math.Abs));
        Assert.All(expected.Zip(features.Data), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4f * scale, $"{p.First} vs {p.Second}"));
    }

    /// <summary>FedActors' ResNet with <paramref name="weights"/> in eval mode: logits with a classifier, else pooled features.</summary>
    private static NamedTensor Forward(BackboneSpec spec, ModelWeights weights, string prefix, Tensor input, int? numClasses)
    {
        using var net = new ResNet(spec, numClasses);
        StateDict.Import(net, weights, prefix);
        net.eval();
        using var noGrad = no_grad();
        using var output = net.call(input);
        return StateDict.ToNamedTensor("y", output);
    }

    private static string RunPython(string script, string dir)
    {
        var scriptPath = Path.Combine(dir, "check.py");
        File.WriteAllText(scriptPath, script);
        var (code, output) = PyTorchFactAttribute.Run(scriptPath, dir);
        Assert.True(code == 0, $"python exited {code}:\n{output}");
        return output;
    }

    private const string Script = """
        import json, sys, torch, torchvision
        d = sys.argv[1]

        def load_safetensors(path):
            # Per the format: u64 header length, JSON header, then raw little-endian data.
            with open(path, 'rb') as f:
                n = int.from_bytes(f.read(8), 'little')
                header = json.loads(f.read(n))
                data = f.read()
            dtypes = {'F32': torch.float32, 'I64': torch.int64}
            sd = {}
            for key, entry in header.items():
                if key == '__metadata__':
                    continue
                begin, end = entry['data_offsets']
                sd[key] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[entry['dtype']]).reshape(entry['shape'])
            return sd

        def load(path):
            return torch.load(path) if path.endswith('.pt') else load_safetensors(path)

        # Our exports in torchvision.
        io = torch.load(f'{d}/io.pt')
        x, y = io['x'], io['y']
        for ext in ('pt', 'safetensors'):
            sd = load(f'{d}/r18.resnet-scenes.{ext}')
            assert sd['layer1.0.bn1.num_batches_tracked'].dtype == torch.int64, ext
            assert sd['layer1.0.bn1.num_batches_tracked'].shape == (), ext
            model = torchvision.models.resnet18(num_classes=y.shape[1])
            assert list(sd.keys()) == list(model.state_dict().keys()), ext
            model.load_state_dict(sd, strict=True)
            model.eval()
            with torch.no_grad():
                out = model(x)
            diff = (out - y).abs().max().item()
            scale = max(1.0, y.abs().max().item())
            print(f'{ext}: max |torchvision - fedactors| = {diff:.3g} (scale {scale:.3g})')
            assert diff <= 1e-4 * scale, ext

            # The backbone file is this one without fc (see InteropTests).
            backbone = {k: v for k, v in sd.items() if not k.startswith('fc.')}
            result = model.load_state_dict(backbone, strict=False)
            assert sorted(result.missing_keys) == ['fc.bias', 'fc.weight'] and not result.unexpected_keys, result
            model.fc = torch.nn.Identity()
            model.load_state_dict(backbone, strict=True)
        heads = torch.load(f'{d}/r18.heads.pt')
        torch.nn.ModuleDict({'scenes': torch.nn.Linear(512, y.shape[1])}).load_state_dict(heads, strict=True)
        r50 = torch.load(f'{d}/r50.resnet-scenes.pt')
        assert list(r50.keys()) == list(torchvision.models.resnet50().state_dict().keys())
        print('exports ok')

        # A torchvision model of PyTorch's own, with non-trivial BatchNorm state, for LoadBackbone (which drops fc).
        torch.manual_seed(0)
        model = torchvision.models.resnet18(num_classes=3)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.1, 0.1)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.1, 0.1)
                    m.num_batches_tracked.fill_(5)
        torch.save(model.state_dict(), f'{d}/tv.pt')
        model.fc = torch.nn.Identity()
        model.eval()
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            y = model(x)
        torch.save({'x': x, 'y': y}, f'{d}/tv-io.pt')
        """;
}

/// <summary>A fact that runs only where a Python with torch and torchvision is found.</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    /// <summary>The interpreter: <c>FEDACTORS_PYTHON</c>, else Debian's <c>/usr/bin/python3</c>.</summary>
    public static string Python { get; } = Environment.GetEnvironmentVariable("FEDACTORS_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(Probe);

    public PyTorchFactAttribute()
    {
        if (Missing.Value is { } why) Skip = why;
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="argument"/>; exit code and stdout+stderr.</summary>
    public static (int Code, string Output) Run(string script, string argument, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string? Probe()
    {
        const string hint = "install python3-torch and python3-torchvision, or point FEDACTORS_PYTHON at a Python that has them";
        if (!File.Exists(Python)) return $"PyTorch check skipped: no Python at {Python} ({hint})";
        var probe = Path.Combine(Path.GetTempPath(), $"fedactors-probe-{Guid.NewGuid():N}.py");
        try
        {
            // Finding the packages is enough, and far quicker than importing torch.
            File.WriteAllText(probe, "import importlib.util, sys\nsys.exit(0 if all(importlib.util.find_spec(m) for m in ('torch', 'torchvision')) else 1)\n");
            var (code, output) = Run(probe, "", timeoutSeconds: 60);
            return code == 0 ? null : $"PyTorch check skipped: {Python} has no torch and torchvision ({hint}) {output.Trim()}".TrimEnd();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"PyTorch check skipped: cannot run {Python}: {ex.Message}";
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
