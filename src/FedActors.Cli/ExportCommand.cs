using System.CommandLine;
using FedActors.Learning.Interop;

namespace FedActors.Cli;

/// <summary><c>fedactors export &lt;run-dir&gt; [--format pt|safetensors] [--arm A] [--head TASK] [--projector] [--out DIR]</c>.</summary>
public static class ExportCommand
{
    public static Command Create(ICliConsole console)
    {
        var runDir = new Argument<string>("run-dir") { Description = "A run folder written by `fedactors run` (holds weights/*.weights)." };
        var format = new Option<string>("--format", "-f")
        {
            HelpName = "pt|safetensors",
            Description = "pt (torch.load) or safetensors.",
            DefaultValueFactory = _ => "pt",
        };
        var arm = new Option<string?>("--arm") { HelpName = "arm", Description = "Only this arm's weights (e.g. fl+ssl, cl); default: every weights file." };
        var head = new Option<string?>("--head")
        {
            HelpName = "task",
            Description = "Write one file per weights file: the backbone with this task's head as fc, which "
                + "torchvision.models.resnetXX(num_classes=C).load_state_dict(sd, strict=True) accepts.",
        };
        var projector = new Option<bool>("--projector") { Description = "Also write the SimCLR projection head." };
        var output = new Option<string?>("--out") { HelpName = "dir", Description = "Output folder (default <run-dir>/export)." };
        var command = new Command("export", "Write a run's trained weights as PyTorch state dicts with torchvision's ResNet keys.")
        {
            runDir, format, arm, head, projector, output,
        };
        command.SetAction(parse => Execute(
            parse.GetValue(runDir)!,
            parse.GetValue(format)!,
            new ExportOptions
            {
                Arm = parse.GetValue(arm),
                HeadTask = parse.GetValue(head),
                Projector = parse.GetValue(projector),
                OutDir = parse.GetValue(output),
            },
            console));
        return command;
    }

    public static int Execute(string runDir, string format, ExportOptions options, ICliConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            var written = RunExport.Export(runDir, options with { Format = StateDictFormats.Parse(format) });
            foreach (var file in written)
                console.Out.WriteLine($"{file.Path} ({file.Tensors} tensors): {file.LoadsInto}");
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            return Fail(console, ex.Message, CliApp.BadInput);
        }
        catch (IOException ex)
        {
            return Fail(console, ex.Message, CliApp.RunFailed);
        }
    }

    private static int Fail(ICliConsole console, string message, int code)
    {
        console.Error.WriteLine($"fedactors: error: {message.ReplaceLineEndings(" ").Trim()}");
        return code;
    }
}
