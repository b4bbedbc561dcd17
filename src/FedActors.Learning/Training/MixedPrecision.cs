using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>The number format local training computes in (<c>fedactors.precision</c>).</summary>
public enum TrainingPrecision
{
    /// <summary>float32 throughout (the default; bit-reproducible on CPU).</summary>
    Float32,

    /// <summary>bfloat16 forward and backward, float32 master weights and optimiser; no loss scaling (float32's range).</summary>
    BFloat16,

    /// <summary>float16 forward and backward, float32 master weights and optimiser, dynamic loss scaling.</summary>
    Float16,
}

/// <summary>
/// Mixed-precision training with float32 master weights (Micikevicius et al., "Mixed Precision Training", 2018).
/// TorchSharp 0.107 has no autocast and no gradient scaler, so this does by hand what they automate: for the
/// length of one fit the network runs in the low precision; the optimiser updates float32 copies of the trained
/// parameters; after every step those copies are cast back into the network. At the end the network is float32
/// again and holds the master values exactly (frozen parameters their values from before the fit), so what the
/// client exports (and FedAvg averages) is float32.
/// <list type="bullet">
/// <item>Gradients are unscaled and cast to float32 onto the masters; with float16, a step whose gradients hold
/// inf or NaN is skipped and the scale halved (<see cref="LossScaler"/>), as PyTorch's GradScaler does.</item>
/// <item>Losses are computed in float32 (the callers cast logits and projections up).</item>
/// <item>BatchNorm keeps float32 parameters and running statistics, as under autocast; libtorch normalises the
/// low-precision activations against them with float32 accumulation. Convolutions and linear layers compute in the
/// low precision.</item>
/// </list>
/// Where it pays: on GPUs with tensor cores. On the project's CPUs oneDNN is held at AVX2 (see TorchRuntime) and
/// has no fast bfloat16 or float16 kernels there, so a step is much slower than in float32 (BENCHMARKS.md, "Mixed
/// precision on the CPU").
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    private readonly IReadOnlyList<nn.Module> _modules;
    private readonly List<(int Module, string Name, Parameter Master)> _masters = [];
    private readonly List<(int Module, string Name, Tensor Value)> _frozen = [];
    private readonly LossScaler _scaler;
    private bool _disposed;

    /// <summary>
    /// Takes float32 masters of every parameter of <paramref name="modules"/> that requires a gradient now, then
    /// turns the modules (parameters and buffers) but their BatchNorms to <paramref name="precision"/>'s type.
    /// </summary>
    public MixedPrecision(IReadOnlyList<nn.Module> modules, TrainingPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(modules);
        if (precision == TrainingPrecision.Float32) throw new ArgumentException("float32 needs no mixed precision", nameof(precision));
        if (!Enum.IsDefined(precision)) throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision");
        _modules = modules;
        Precision = precision;
        Type = precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float16;
        _scaler = precision == TrainingPrecision.Float16 ? LossScaler.Dynamic() : LossScaler.None;
        using (no_grad())
        {
            for (var m = 0; m < modules.Count; m++)
            {
                foreach (var (name, parameter) in modules[m].named_parameters())
                {
                    if (!parameter.requires_grad)
                    {
                        // Frozen parameters come back exactly too, not rounded through the low precision.
                        _frozen.Add((m, name, parameter.detach().clone()));
                        continue;
                    }
                    if (parameter.dtype != ScalarType.Float32)
                        throw new InvalidOperationException($"parameter '{name}' is {parameter.dtype}; mixed precision starts from float32");
                    _masters.Add((m, name, new Parameter(parameter.detach().clone(), requires_grad: true)));
                }
            }
            // BatchNorm stays float32 (it takes low-precision input against float32 statistics): the whole modules
            // change type, then the norms change back and get their exact values again.
            var norms = modules.SelectMany(m => m.modules().Prepend(m)).OfType<NormBase>().Distinct()
                .Select(norm => (Norm: norm, Values: norm.named_parameters().Select(p => (p.name, Value: (Tensor)p.parameter))
                    .Concat(norm.named_buffers().Select(b => (b.name, Value: b.buffer)))
                    .Select(v => (Name: v.name, Value: v.Value.detach().clone())).ToList()))
                .ToList();
            foreach (var module in modules) module.to(Type);
            foreach (var (norm, values) in norms)
            {
                norm.to(ScalarType.Float32);
                var live = norm.named_parameters().Select(p => (p.name, Value: (Tensor)p.parameter))
                    .Concat(norm.named_buffers().Select(b => (b.name, Value: b.buffer)))
                    .ToDictionary(v => v.name, v => v.Value, StringComparer.Ordinal);
                foreach (var (name, value) in values)
                {
                    live[name].copy_(value);
                    value.Dispose();
                }
            }
        }
        var find = Lookup();
        Masters = [.. _masters.Select(m => m.Master)];
        MasterModules = [.. _masters.Select(m => m.Module)];
        Working = [.. _masters.Select(m => find(m.Module, m.Name))];
        foreach (var parameter in Working) parameter.requires_grad = true;
    }

    public TrainingPrecision Precision { get; }

    /// <summary>The type the network computes in during the fit.</summary>
    public ScalarType Type { get; }

    /// <summary>The float32 copies the optimiser updates, one per trained parameter.</summary>
    public IReadOnlyList<Parameter> Masters { get; }

    /// <summary>For each of <see cref="Masters"/>, the index of the module (as passed in) whose parameter it is.</summary>
    public IReadOnlyList<int> MasterModules { get; }

    /// <summary>Steps skipped because their float16 gradients overflowed.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>The current loss scale (1 for bfloat16).</summary>
    public double Scale => _scaler.Scale;

    /// <summary>The network's trained parameters (low precision; BatchNorm's float32), in the order of <see cref="Masters"/>.</summary>
    private IReadOnlyList<Parameter> Working { get; }

    /// <summary>Runs the backward pass of <paramref name="loss"/> (float32), scaled by the loss scale.</summary>
    public void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        foreach (var parameter in Working) parameter.grad?.detach_().zero_();
        if (_scaler.Scale == 1)
        {
            loss.backward();
        }
        else
        {
            using var scale = _scaler.Scale.ToScalar();
            loss.mul(scale).backward();
        }
    }

    /// <summary>
    /// Puts the unscaled float32 gradients on the masters. False when a gradient is not finite: the caller skips
    /// the optimiser step (the scale has been lowered).
    /// </summary>
    public bool TakeGradients()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var inverse = (1.0 / _scaler.Scale).ToScalar();
        Tensor? overflow = null;
        for (var i = 0; i < Working.Count; i++)
        {
            var master = _masters[i].Master;
            var low = Working[i].grad;
            if (low is null)
            {
                master.grad?.detach_().zero_();
                continue;
            }
            // Cast straight into the master's gradient buffer (a skipped step leaves it to be overwritten next time).
            if (master.grad is null) master.grad = zeros_like(master).DetachFromDisposeScope();
            var grad = master.grad!.copy_(low);
            if (_scaler.Scale != 1) grad.mul_(inverse);
            if (_scaler.Checks)
            {
                var bad = grad.isfinite().all().logical_not();
                overflow = overflow is null ? bad : overflow.logical_or_(bad);
            }
        }
        if (overflow is not null && overflow.item<bool>())
        {
            _scaler.Overflowed();
            SkippedSteps++;
            return false;
        }
        _scaler.Stepped();
        return true;
    }

    /// <summary>Casts the updated masters back into the network.</summary>
    public void AfterStep()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (var i = 0; i < Working.Count; i++) Working[i].copy_(_masters[i].Master);
    }

    /// <summary>Turns the network back to float32 and writes the masters into it, exactly.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using (no_grad())
        {
            foreach (var module in _modules) module.to(ScalarType.Float32);
            var find = Lookup();
            foreach (var (module, name, master) in _masters)
            {
                find(module, name).copy_(master);
                master.Dispose();
            }
            foreach (var (module, name, value) in _frozen)
            {
                find(module, name).copy_(value);
                value.Dispose();
            }
        }
    }

    /// <summary>The modules' parameters by (module, name), as they are now (a type change replaces them).</summary>
    private Func<int, string, Parameter> Lookup()
    {
        var byName = _modules.Select(m => m.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal)).ToList();
        return (module, name) => byName[module].TryGetValue(name, out var parameter)
            ? parameter
            : throw new InvalidOperationException($"parameter '{name}' is gone after the type change");
    }
}

/// <summary>
/// Dynamic loss scaling for float16 gradients, with PyTorch GradScaler's defaults: start at 2^16, halve on a step
/// whose gradients overflow (that step is skipped), double after 2000 steps in a row without one.
/// </summary>
public sealed class LossScaler
{
    private int _goodSteps;

    private LossScaler(double scale, bool checks, int growthInterval)
    {
        Scale = scale;
        Checks = checks;
        GrowthInterval = growthInterval;
    }

    /// <summary>No scaling and no checks (bfloat16 has float32's range).</summary>
    public static LossScaler None => new(1, false, int.MaxValue);

    public static LossScaler Dynamic(double initialScale = 65536, int growthInterval = 2000)
    {
        if (!(initialScale >= 1) || double.IsInfinity(initialScale)) throw new ArgumentOutOfRangeException(nameof(initialScale));
        ArgumentOutOfRangeException.ThrowIfLessThan(growthInterval, 1);
        return new LossScaler(initialScale, true, growthInterval);
    }

    public double Scale { get; private set; }

    /// <summary>Whether gradients are checked for overflow.</summary>
    public bool Checks { get; }

    public int GrowthInterval { get; }

    /// <summary>A step's gradients overflowed: halve the scale (not below 1).</summary>
    public void Overflowed()
    {
        Scale = Math.Max(1, Scale / 2);
        _goodSteps = 0;
    }

    /// <summary>A step went through: after <see cref="GrowthInterval"/> of them in a row, double the scale.</summary>
    public void Stepped()
    {
        if (!Checks) return;
        if (++_goodSteps < GrowthInterval) return;
        _goodSteps = 0;
        if (Scale * 2 <= float.MaxValue) Scale *= 2;
    }
}
