using FedActors.Core;
using FedActors.Learning.Interop;
using FedActors.Learning.Models;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class InteropTests : IDisposable
{
    private static readonly Dictionary<string, int> Tasks = new() { ["scenes"] = 6, ["flowers"] = 10 };
    private readonly InteropTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(StateDictFormat.Pt)]
    [InlineData(StateDictFormat.Safetensors)]
    public void Backbone_must_round_trip_through_export_and_LoadBackbone(StateDictFormat format)
    {
        var spec = TestData.TinySpec with { Architecture = ResNetArchitecture.ResNet50 };
        var global = Trained(ModelFactory.InitialGlobal(spec, Tasks, seed: 5));
        var path = _dir.File("backbone." + format.Extension());

        StateDictFile.Write(PyTorchExport.Backbone(global), path, format);
        var loaded = PyTorchImport.LoadBackbone(path, spec);

        var expected = global.Where(n => WeightNames.IsUnder(n, WeightNames.Backbone));
        Assert.Equal(expected.Names, loaded.Names);
        Assert.Equal(expected.ContentHash(), loaded.ContentHash());
        Assert.Equal([17f], loaded["backbone.layer3.0.downsample.1.num_batches_tracked"].Data);
    }

    [Theory]
    [InlineData(StateDictFormat.Pt)]
    [InlineData(StateDictFormat.Safetensors)]
    public void Written_state_dict_must_keep_order_shapes_and_int64_counters(StateDictFormat format)
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);
        var model = PyTorchExport.Backbone(global, "scenes");
        var path = _dir.File("model." + format.Extension());

        StateDictFile.Write(model, path, format);

        // Read back as PyTorch would see it: int64 counters, float32 everything else.
        var read = StateDictFile.Read(path);
        Assert.Equal(model.Names.Order(StringComparer.Ordinal), read.Names);
        Assert.All(model, t => Assert.Equal(t.Data, read[t.Name].Data));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Backbone_export_must_strip_the_prefix_and_map_a_head_to_fc()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);

        var backbone = PyTorchExport.Backbone(global);
        var model = PyTorchExport.Backbone(global, "flowers");

        Assert.Equal("conv1.weight", backbone[0].Name);
        Assert.DoesNotContain(backbone.Names, n => n.StartsWith("fc.", StringComparison.Ordinal) || n.Contains("backbone", StringComparison.Ordinal));
        Assert.Equal(backbone.Names.Concat(["fc.weight", "fc.bias"]), model.Names);
        Assert.Equal(global["heads.flowers.weight"].Data, model["fc.weight"].Data);
        Assert.Equal([10, TestData.TinySpec.FeatureDim], model["fc.weight"].Shape);
        Assert.Equal(["flowers.weight", "flowers.bias", "scenes.weight", "scenes.bias"], PyTorchExport.Heads(global).Names);
        Assert.Equal("linear1.weight", PyTorchExport.Projector(global)[0].Name);
        Assert.Equal(["flowers", "scenes"], PyTorchExport.Tasks(global));
    }

    [Fact]
    public void Backbone_export_must_name_an_unknown_task_and_the_tasks_there_are()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => PyTorchExport.Backbone(global, "birds"));

        Assert.Contains("'birds'", error.Message, StringComparison.Ordinal);
        Assert.Contains("flowers, scenes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_must_use_torchvision_keys_for_resnet18_and_resnet50()
    {
        // torchvision's state dicts: resnet18 122 entries, resnet50 320, both with fc.
        var r18 = PyTorchExport.Backbone(ModelFactory.InitialGlobal(TorchvisionSpec(ResNetArchitecture.ResNet18), Tasks, seed: 1), "scenes");
        var r50small = PyTorchExport.Backbone(
            ModelFactory.InitialGlobal(TestData.TinySpec with { Architecture = ResNetArchitecture.ResNet50, Blocks = null }, Tasks, seed: 1), "scenes");

        Assert.Equal(122, r18.Count);
        Assert.Equal(320, r50small.Count);
        Assert.Equal([64, 3, 7, 7], r18["conv1.weight"].Shape);
        Assert.Equal([128, 64, 1, 1], r18["layer2.0.downsample.0.weight"].Shape);
        Assert.Contains("layer4.2.bn3.num_batches_tracked", r50small.Names);
        Assert.Contains("layer3.5.conv3.weight", r50small.Names);
        Assert.Equal("torchvision.models.resnet18(num_classes=6)", TorchvisionModel.Constructor(r18));
        Assert.Equal("torchvision.models.resnet18()", TorchvisionModel.Constructor(r18.Where(n => !n.StartsWith("fc.", StringComparison.Ordinal))));
        // Same keys as torchvision's resnet50, but narrower: no torchvision model fits it.
        Assert.Null(TorchvisionModel.Constructor(r50small));
    }

    [Fact]
    public void LoadBackbone_must_ignore_fc_and_count_batches_from_zero_when_the_counter_is_absent()
    {
        var global = Trained(ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 2));
        var model = PyTorchExport.Backbone(global, "scenes").Where(n => !n.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        var path = _dir.File("old-style.pt");
        StateDictFile.Write(model, path, StateDictFormat.Pt);

        var loaded = PyTorchImport.LoadBackbone(path, TestData.TinySpec);

        Assert.DoesNotContain(loaded.Names, n => n.Contains("fc", StringComparison.Ordinal));
        Assert.Equal([0f], loaded["backbone.bn1.num_batches_tracked"].Data);
        Assert.Equal(global["backbone.layer2.0.bn1.running_var"].Data, loaded["backbone.layer2.0.bn1.running_var"].Data);
    }

    [Fact]
    public void LoadBackbone_must_name_the_file_and_the_key_of_a_wrong_shape()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);
        var path = _dir.File("narrow.safetensors");
        StateDictFile.Write(PyTorchExport.Backbone(global), path, StateDictFormat.Safetensors);

        var error = Assert.Throws<InvalidDataException>(() => PyTorchImport.LoadBackbone(path, TestData.TinySpec with { Width = 0.25 }));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'conv1.weight' has shape [8,3,3,3] but a resnet18 (stem smallstrided, width 0.25, blocks 1,1,1,1) backbone expects [16,3,3,3]",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadBackbone_must_name_a_missing_key_and_an_unknown_one()
    {
        var backbone = PyTorchExport.Backbone(ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1));
        var missing = _dir.File("missing.pt");
        StateDictFile.Write(backbone.Where(n => n != "layer4.0.conv2.weight"), missing, StateDictFormat.Pt);
        var prefixed = _dir.File("prefixed.pt");
        StateDictFile.Write(new ModelWeights(backbone.Select(t => new NamedTensor("module." + t.Name, t.Shape, t.Data))), prefixed, StateDictFormat.Pt);

        var lacks = Assert.Throws<InvalidDataException>(() => PyTorchImport.LoadBackbone(missing, TestData.TinySpec));
        var unknown = Assert.Throws<InvalidDataException>(() => PyTorchImport.LoadBackbone(prefixed, TestData.TinySpec));

        Assert.Contains($"{missing}: lacks 'layer4.0.conv2.weight'", lacks.Message, StringComparison.Ordinal);
        Assert.Contains($"{prefixed}: key 'module.", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("strip the 'module.' prefix", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadBackbone_must_reject_a_file_that_is_no_state_dict_and_a_missing_file()
    {
        var text = _dir.File("notes.pt");
        File.WriteAllText(text, "not a checkpoint");

        var error = Assert.Throws<InvalidDataException>(() => PyTorchImport.LoadBackbone(text, TestData.TinySpec));
        Assert.Throws<FileNotFoundException>(() => PyTorchImport.LoadBackbone(_dir.File("absent.pt"), TestData.TinySpec));

        Assert.StartsWith(text + ": neither a torch.save zip archive nor a safetensors file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadBackbone_must_leave_the_global_generator_as_it_was()
    {
        var path = _dir.File("b.pt");
        StateDictFile.Write(PyTorchExport.Backbone(ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1)), path, StateDictFormat.Pt);

        random.manual_seed(7);
        PyTorchImport.LoadBackbone(path, TestData.TinySpec);
        using var after = randn(4);
        random.manual_seed(7);
        using var untouched = randn(4);

        Assert.Equal(untouched.data<float>().ToArray(), after.data<float>().ToArray());
    }

    [Fact]
    public void RunExport_must_write_backbone_and_heads_per_weights_file_of_the_chosen_arm()
    {
        var run = RunWith(("fl+ssl", 1), ("cl.central-a", 2), ("cl.central-b", 3));

        var all = RunExport.Export(run, new ExportOptions { OutDir = _dir.File("all"), Projector = true });
        var cl = RunExport.Export(run, new ExportOptions { Arm = "cl", HeadTask = "scenes", Format = StateDictFormat.Safetensors });

        Assert.Equal(
            ["cl.central-a.backbone.pt", "cl.central-a.heads.pt", "cl.central-a.projector.pt", "cl.central-b.backbone.pt", "cl.central-b.heads.pt",
             "cl.central-b.projector.pt", "fl+ssl.backbone.pt", "fl+ssl.heads.pt", "fl+ssl.projector.pt"],
            all.Select(f => Path.GetFileName(f.Path)));
        Assert.All(all, f => Assert.True(File.Exists(f.Path)));
        Assert.Contains("torch.nn.ModuleDict({'flowers': torch.nn.Linear(64, 10), 'scenes': torch.nn.Linear(64, 6)})", all[1].LoadsInto, StringComparison.Ordinal);
        Assert.StartsWith("not a torchvision shape", all[0].LoadsInto, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(run, "export", "cl.central-a.resnet-scenes.safetensors"), Path.Combine(run, "export", "cl.central-b.resnet-scenes.safetensors")],
            cl.Select(f => f.Path));
        var exported = StateDictFile.Read(cl[1].Path);
        var source = WeightsFile.Read(Path.Combine(run, RunExport.WeightsFolder, "cl.central-b.weights"));
        Assert.Equal(source["heads.scenes.bias"].Data, exported["fc.bias"].Data);
    }

    [Fact]
    public void RunExport_must_name_what_is_missing()
    {
        var run = RunWith(("fl+ssl", 1), ("cl.central-a", 2));
        var empty = Directory.CreateDirectory(_dir.File("empty")).FullName;

        var arm = Assert.Throws<ArgumentException>(() => RunExport.WeightsFiles(run, "fl"));
        var task = Assert.Throws<ArgumentException>(() => RunExport.Export(run, new ExportOptions { HeadTask = "birds" }));
        Assert.Throws<DirectoryNotFoundException>(() => RunExport.WeightsFiles(_dir.File("nowhere")));
        var none = Assert.Throws<FileNotFoundException>(() => RunExport.WeightsFiles(empty));

        Assert.Contains("no weights of arm 'fl' (arms: cl, fl+ssl)", arm.Message, StringComparison.Ordinal);
        Assert.Contains("cl.central-a.weights: no head for task 'birds'", task.Message, StringComparison.Ordinal);
        Assert.Contains("has no weights/*.weights files", none.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run, "export")));
    }

    internal static BackboneSpec TorchvisionSpec(ResNetArchitecture architecture) =>
        new() { Architecture = architecture, Stem = StemKind.ImageNet, Width = 1.0, ProjectionDim = 16, ProjectionHiddenDim = 16 };

    /// <summary>
    /// Weights whose every value, BatchNorm statistics and counters included, differs from a fresh model's, at the
    /// scale training leaves them: kernels rescaled by up to 6%, vectors (BatchNorm, biases) shifted by 0.01..0.07.
    /// </summary>
    internal static ModelWeights Trained(ModelWeights global) =>
        new(global.Select(t => new NamedTensor(t.Name, t.Shape, StateDictFile.IsInteger(t.Name)
            ? [17f]
            : t.Shape.Length > 1
                ? t.Data.Select((v, i) => v * (1 + 0.01f * (i % 7))).ToArray()
                : t.Data.Select((v, i) => v + 0.01f * (1 + i % 7)).ToArray())));

    private string RunWith(params (string Name, int Seed)[] files)
    {
        var run = Directory.CreateDirectory(_dir.File("run")).FullName;
        var weights = Directory.CreateDirectory(Path.Combine(run, RunExport.WeightsFolder)).FullName;
        foreach (var (name, seed) in files)
            WeightsFile.Write(Path.Combine(weights, name + RunExport.WeightsExtension), Trained(ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed)));
        return run;
    }
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class InteropTempDir : IDisposable
{
    public InteropTempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fedactors-interop-" + Guid.NewGuid().ToString("N"));

    /// <summary>A path inside the folder (nothing is created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
