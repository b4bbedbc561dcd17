using FedActors.Core;

namespace FedActors.Learning.Interop;

/// <summary>What <c>fedactors export</c> writes from a run folder.</summary>
public sealed record ExportOptions
{
    public StateDictFormat Format { get; init; } = StateDictFormat.Pt;

    /// <summary>Only this arm's weights files (<c>&lt;arm&gt;.weights</c>, <c>&lt;arm&gt;.&lt;client&gt;.weights</c>); null: all.</summary>
    public string? Arm { get; init; }

    /// <summary>Export one file per weights file: the backbone with this task's head as <c>fc</c>; null: backbone and heads apart.</summary>
    public string? HeadTask { get; init; }

    /// <summary>Also export the SimCLR projection head.</summary>
    public bool Projector { get; init; }

    /// <summary>Where the files go; null: <c>&lt;run&gt;/export</c>.</summary>
    public string? OutDir { get; init; }
}

/// <summary>One file written, and the PyTorch model that loads it.</summary>
public sealed record ExportedFile(string Path, int Tensors, string LoadsInto);

/// <summary>
/// Turns a run's final weights (<c>weights/&lt;name&gt;.weights</c>, one per federated arm and per centralized
/// stage) into PyTorch state dicts: <c>&lt;name&gt;.backbone.&lt;ext&gt;</c> and <c>&lt;name&gt;.heads.&lt;ext&gt;</c>,
/// or with a head task <c>&lt;name&gt;.resnet-&lt;task&gt;.&lt;ext&gt;</c>; <c>&lt;name&gt;.projector.&lt;ext&gt;</c> on request.
/// </summary>
public static class RunExport
{
    public const string WeightsFolder = "weights";
    public const string WeightsExtension = ".weights";

    /// <summary>The run's weights files, of one arm when <paramref name="arm"/> is given, ordered by name.</summary>
    /// <exception cref="DirectoryNotFoundException">No such run folder.</exception>
    /// <exception cref="FileNotFoundException">The run has no weights files.</exception>
    /// <exception cref="ArgumentException">No weights file of that arm; the message lists the arms there are.</exception>
    public static IReadOnlyList<string> WeightsFiles(string runDir, string? arm = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        if (!Directory.Exists(runDir)) throw new DirectoryNotFoundException($"run folder '{runDir}' does not exist");
        var folder = Path.Combine(runDir, WeightsFolder);
        var files = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*" + WeightsExtension).Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
            throw new FileNotFoundException($"run folder '{runDir}' has no {WeightsFolder}/*{WeightsExtension} files (is it a finished run?)");
        if (arm is null) return files;
        var ofArm = files.Where(f => ArmOf(f) == arm).ToList();
        if (ofArm.Count == 0)
            throw new ArgumentException(
                $"run folder '{runDir}' has no weights of arm '{arm}' (arms: {string.Join(", ", files.Select(ArmOf).Distinct(StringComparer.Ordinal))})");
        return ofArm;
    }

    /// <summary>Exports every selected weights file; returns the files written, in order.</summary>
    public static IReadOnlyList<ExportedFile> Export(string runDir, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var files = WeightsFiles(runDir, options.Arm);
        var outDir = options.OutDir ?? Path.Combine(runDir, "export");
        var written = new List<ExportedFile>();
        foreach (var file in files)
        {
            var global = WeightsFile.Read(file);
            var name = Path.GetFileName(file)[..^WeightsExtension.Length];
            try
            {
                written.AddRange(ExportWeights(global, name, outDir, options));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"{file}: {ex.Message}", ex);
            }
        }
        return written;
    }

    /// <summary>Exports one snapshot of global weights as <c>&lt;outDir&gt;/&lt;name&gt;.*.&lt;ext&gt;</c>.</summary>
    public static IReadOnlyList<ExportedFile> ExportWeights(ModelWeights global, string name, string outDir, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(options);
        // Map everything first, so a missing part writes nothing.
        var parts = new List<(string Part, ModelWeights StateDict, string LoadsInto)>();
        if (options.HeadTask is { } task)
        {
            var model = PyTorchExport.Backbone(global, task);
            parts.Add(($"resnet-{task}", model, TorchvisionModel.Constructor(model) is { } ctor
                ? $"{ctor}.load_state_dict(sd, strict=True)"
                : NotTorchvision));
        }
        else
        {
            var backbone = PyTorchExport.Backbone(global);
            parts.Add(("backbone", backbone, TorchvisionModel.Constructor(backbone) is { } ctor
                ? $"{ctor} with model.fc = torch.nn.Identity(), load_state_dict(sd, strict=True); or strict=False (fc stays missing)"
                : NotTorchvision));
            var heads = PyTorchExport.Heads(global);
            if (heads.Count > 0) parts.Add(("heads", heads, HeadsModule(heads)));
        }
        if (options.Projector)
        {
            var projector = PyTorchExport.Projector(global);
            if (projector.Count == 0) throw new ArgumentException("the weights hold no projector ('projector.*')");
            parts.Add(("projector", projector, "FedActors' SimCLR projection head (linear1, bn1, linear2)"));
        }

        Directory.CreateDirectory(outDir);
        var written = new List<ExportedFile>(parts.Count);
        foreach (var (part, stateDict, loadsInto) in parts)
        {
            var path = Path.Combine(outDir, $"{name}.{part}.{options.Format.Extension()}");
            StateDictFile.Write(stateDict, path, options.Format);
            written.Add(new ExportedFile(path, stateDict.Count, loadsInto));
        }
        return written;
    }

    private const string NotTorchvision =
        "not a torchvision shape (width, stem or blocks differ from torchvision's): a ResNet built to the run's fedactors.model spec";

    private static string ArmOf(string weightsFile)
    {
        var name = Path.GetFileName(weightsFile)[..^WeightsExtension.Length];
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? name : name[..dot];
    }

    private static string HeadsModule(ModelWeights heads)
    {
        var linears = heads.Where(t => t.Name.EndsWith(".weight", StringComparison.Ordinal) && t.Shape.Length == 2)
            .Select(t => $"'{t.Name[..^".weight".Length]}': torch.nn.Linear({t.Shape[1]}, {t.Shape[0]})");
        return $"torch.nn.ModuleDict({{{string.Join(", ", linears)}}}).load_state_dict(sd, strict=True)";
    }
}
