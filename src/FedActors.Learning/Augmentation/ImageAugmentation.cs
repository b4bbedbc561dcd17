using TorchSharp;
using static TorchSharp.torch;
using static FedActors.Learning.RootedScalars;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Learning.Augmentation;

/// <summary>
/// Vectorised per-sample augmentation of an image batch: every image draws its own crop, flip, rotation,
/// colour jitter, grayscale, blur and channel permutation (torchvision's transforms draw one parameter
/// set per call, i.e. per batch, which is useless here). Crop, flip and rotation are one affine warp
/// (<c>affine_grid</c> + <c>grid_sample</c>). All randomness comes from the caller's CPU generator, a
/// fixed number of draws per image, so a seed fixes the result whatever the device; the small parameter
/// tensors are then moved to the images' device.
/// </summary>
public static class ImageAugmentation
{
    // Uniform draws per image: 0 area, 1 ratio, 2-3 crop centre, 4 flip, 5 angle, 6 jitter on,
    // 7 brightness, 8 contrast, 9 saturation, 10 hue, 11 grayscale on, 12 blur on, 13 sigma,
    // 14 permutation on, 15 spare, 16-18 permutation keys.
    private const int Draws = 19;

    // ITU-R 601 luma, as torchvision's rgb_to_grayscale.
    private static readonly double[] Luma = [0.299, 0.587, 0.114];

    /// <summary>uint8 images to float32 in [0,1]; float images are taken as already in [0,1].</summary>
    public static Tensor ToUnitRange(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return images.dtype == ScalarType.Byte ? images.to(ScalarType.Float32).div_(S(255.0)) : images.to(ScalarType.Float32);
    }

    /// <summary>
    /// Augments a [N, C, H, W] batch (uint8, or float in [0,1]) on its own device. Returns float32 in [0,1],
    /// not yet normalised. Colour operations apply to 3-channel images only.
    /// </summary>
    public static Tensor Augment(Tensor images, AugmentSettings settings, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4) throw new ArgumentException($"expected an image batch [N, C, H, W], got [{string.Join(",", images.shape)}]");
        settings.Validate();
        using var scope = NewDisposeScope();
        var x = ToUnitRange(images);
        var n = x.shape[0];
        if (n == 0) return x.MoveToOuterDisposeScope();
        var u = rand([n, Draws], dtype: ScalarType.Float64, device: CPU, generator: generator);
        var rgb = x.shape[1] == 3;

        if (settings.MovesGeometry) x = Warp(x, u, settings);
        if (rgb && settings.ColorJitterProbability > 0 && settings.ColorJitterStrength > 0) x = ColorJitter(x, u, settings);
        if (rgb && settings.GrayscaleProbability > 0) x = RandomGrayscale(x, u, settings.GrayscaleProbability);
        if (settings.BlurProbability > 0) x = RandomBlur(x, u, settings);
        if (rgb && settings.ChannelPermutationProbability > 0) x = PermuteChannels(x, u, settings.ChannelPermutationProbability);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Subtracts the mean and divides by the std, per channel, of [N, C, H, W] images in [0,1].</summary>
    public static Tensor Normalize(Tensor unitImages, Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(unitImages);
        ArgumentNullException.ThrowIfNull(normalization);
        normalization.Validate();
        using var scope = NewDisposeScope();
        var channels = unitImages.shape[1];
        var mean = ChannelValues(normalization.Mean, channels, "mean", unitImages.device);
        var std = ChannelValues(normalization.Std, channels, "std", unitImages.device);
        return unitImages.sub(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>Augment then normalise: what the network is fed in training.</summary>
    public static Tensor AugmentAndNormalize(Tensor images, AugmentSettings settings, Normalization normalization, Generator generator)
    {
        using var scope = NewDisposeScope();
        return Normalize(Augment(images, settings, generator), normalization).MoveToOuterDisposeScope();
    }

    /// <summary>uint8 (or [0,1] float) images normalised, without augmentation: what the network is fed in evaluation.</summary>
    public static Tensor Prepare(Tensor images, Normalization normalization)
    {
        using var scope = NewDisposeScope();
        return Normalize(ToUnitRange(images), normalization).MoveToOuterDisposeScope();
    }

    /// <summary>Random resized crop, flip and rotation as one affine warp per image.</summary>
    private static Tensor Warp(Tensor x, Tensor u, AugmentSettings s)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var area = Column(u, 0).mul(S(s.CropScaleMax - s.CropScaleMin)).add_(S(s.CropScaleMin), One);
        var logMin = Math.Log(s.CropRatioMin);
        var ratio = Column(u, 1).mul(S(Math.Log(s.CropRatioMax) - logMin)).add_(S(logMin), One).exp_();
        // Crop sides as fractions of the image sides; area and ratio are in pixels, as torchvision's.
        var aspect = (double)h / w;
        var cropW = area.mul(ratio).mul_(S(aspect)).sqrt_().clamp_max_(One);
        var cropH = area.div(ratio).div_(S(aspect)).sqrt_().clamp_max_(One);
        var centreX = Column(u, 2).mul(Two).sub_(One).mul_(cropW.neg().add_(One, One));
        var centreY = Column(u, 3).mul(Two).sub_(One).mul_(cropH.neg().add_(One, One));
        var scaleX = s.HorizontalFlip ? cropW.mul(Column(u, 4).lt(S(0.5)).to(ScalarType.Float64).mul_(S(-2.0)).add_(One, One)) : cropW;
        var angle = Column(u, 5).mul(Two).sub_(One).mul_(S(s.RotationDegrees * Math.PI / 180.0));
        var cos = angle.cos();
        var sin = angle.sin();
        // Output (x, y) in [-1, 1] samples input R(angle) · diag(scaleX, cropH) · (x, y) + centre.
        var theta = stack([cos.mul(scaleX), sin.neg().mul_(cropH), centreX, sin.mul(scaleX), cos.mul(cropH), centreY], 1)
            .view(n, 2, 3)
            .to(ScalarType.Float32, x.device);
        var grid = F.affine_grid(theta, [n, c, h, w], align_corners: false);
        return F.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false);
    }

    /// <summary>SimCLR's colour jitter, on with probability p per image; the four changes in a fixed order.</summary>
    private static Tensor ColorJitter(Tensor x, Tensor u, AugmentSettings s)
    {
        var on = Column(u, 6).lt(S(s.ColorJitterProbability)).to(ScalarType.Float64);
        var strength = 0.8 * s.ColorJitterStrength;
        Tensor Factor(int column) =>
            PerImage(Column(u, column).mul(Two).sub_(One).mul_(S(strength)).mul_(on).add_(One, One).clamp_min_(Zero), x);

        var brightness = Factor(7);
        var contrast = Factor(8);
        var saturation = Factor(9);
        x = x.mul(brightness).clamp_(Zero, One);
        var meanGray = Grayscale(x).mean([1, 2, 3], keepdim: true);
        x = x.mul(contrast).add_(meanGray.mul(contrast.neg().add(One, One)), One).clamp_(Zero, One);
        x = x.mul(saturation).add_(Grayscale(x).mul(saturation.neg().add(One, One)), One).clamp_(Zero, One);
        var hueRange = 0.2 * s.ColorJitterStrength;
        if (hueRange > 0)
        {
            var hue = Column(u, 10).mul(Two).sub_(One).mul_(S(hueRange)).mul_(on);
            x = RotateHue(x, hue);
        }
        return x;
    }

    /// <summary>
    /// Hue shift as a rotation of the chroma plane in YIQ space: a per-image 3×3 linear map, one batched
    /// matmul (torchvision shifts H in HSV; this is the standard linear approximation of it).
    /// </summary>
    private static Tensor RotateHue(Tensor x, Tensor hueTurns)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        var toYiq = tensor(new double[] { 0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312 }, [3, 3]);
        var fromYiq = linalg.inv(toYiq);
        var angle = hueTurns.mul(S(2 * Math.PI));
        var cos = angle.cos();
        var sin = angle.sin();
        var one = ones_like(angle);
        var zero = zeros_like(angle);
        var rotation = stack([one, zero, zero, zero, cos, sin.neg(), zero, sin, cos], 1).view(n, 3, 3);
        var map = fromYiq.matmul(rotation).matmul(toYiq).to(ScalarType.Float32, x.device);
        return map.bmm(x.reshape(n, 3, h * w)).view(n, 3, h, w).clamp_(Zero, One);
    }

    private static Tensor RandomGrayscale(Tensor x, Tensor u, double probability)
    {
        var on = PerImage(Column(u, 11).lt(S(probability)).to(ScalarType.Float64), x);
        return x.add(Grayscale(x).sub(x).mul_(on), One);
    }

    /// <summary>Separable Gaussian blur, its sigma drawn per image; images without blur get a delta kernel.</summary>
    private static Tensor RandomBlur(Tensor x, Tensor u, AugmentSettings s)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var half = Math.Min(Math.Max(1, (long)Math.Round(0.05 * Math.Min(h, w))), Math.Min(h, w) - 1);
        if (half < 1) return x;
        var size = 2 * half + 1;
        var on = Column(u, 12).lt(S(s.BlurProbability)).unsqueeze(1);
        var sigma = Column(u, 13).mul(S(s.BlurSigmaMax - s.BlurSigmaMin)).add_(S(s.BlurSigmaMin), One).unsqueeze(1);
        var offsets = tensor(Enumerable.Range((int)-half, (int)size).Select(o => (double)o).ToArray(), [1, size]);
        var gaussian = offsets.square().div(sigma.square().mul_(S(-2.0))).exp_();
        gaussian = gaussian.div_(gaussian.sum(1, keepdim: true));
        var delta = zeros(size, dtype: ScalarType.Float64);
        delta[half] = tensor(1.0);
        var kernels = where(on, gaussian, delta.unsqueeze(0))
            .to(ScalarType.Float32, x.device)
            .repeat_interleave(c, dim: 0);
        var padded = F.pad(x.reshape(1, n * c, h, w), [half, half, half, half], PaddingModes.Reflect);
        var rows = F.conv2d(padded, kernels.view(n * c, 1, size, 1), groups: n * c);
        var both = F.conv2d(rows, kernels.view(n * c, 1, 1, size), groups: n * c);
        return both.view(n, c, h, w);
    }

    private static Tensor PermuteChannels(Tensor x, Tensor u, double probability)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        var on = Column(u, 14).lt(S(probability)).unsqueeze(1);
        var keys = u.narrow(1, 16, 3);
        var identity = tensor(new double[] { 0, 1, 2 }, [1, 3]);
        var order = where(on, keys, identity).argsort(1).to(x.device);
        return x.gather(1, order.view(n, 3, 1, 1).expand(n, 3, h, w));
    }

    private static Tensor Grayscale(Tensor x)
    {
        var weights = tensor(Luma, [1, 3, 1, 1]).to(x.dtype, x.device);
        return x.mul(weights).sum(1, keepdim: true);
    }

    private static Tensor Column(Tensor u, int index) => u.select(1, index);

    /// <summary>A scalar operand that cannot be freed mid-op (see <see cref="RootedScalars"/>).</summary>
    private static Scalar S(double value) => RootedScalars.Of(value);

    /// <summary>A per-image factor [N] as [N,1,1,1] on the images' device and dtype.</summary>
    private static Tensor PerImage(Tensor factor, Tensor like) => factor.to(like.dtype, like.device).view(-1, 1, 1, 1);

    private static Tensor ChannelValues(IReadOnlyList<float> values, long channels, string what, Device device)
    {
        if (values.Count != 1 && values.Count != channels)
            throw new ArgumentException($"normalisation {what} has {values.Count} values for {channels}-channel images: give 1 or {channels}");
        return tensor(values.ToArray(), [1, values.Count, 1, 1]).to(device);
    }
}
