"""PyTorch's SimCLR step, timed like SimClrFigure.cs, as the reference for FedActors' GPU figure.

    python3 pytorch_simclr.py [--device cuda] [--batch 64] [--size 224] [--steps 10] [--precision fp32,bf16]
                              [--augment simclr|none] [--channels-last] [--cudnn-benchmark]

One trainer: torchvision's ResNet50 (fc removed) and FedActors' projection head (2048 -> 2048 without bias ->
BatchNorm1d -> ReLU -> 128), uint8 images gathered onto the device, two views each augmented per sample the way
FedActors' ImageAugmentation does (one affine warp for crop and flip through affine_grid/grid_sample, brightness,
contrast and saturation jitter with p = 0.8, grayscale with p = 0.2, normalisation; FedActors' YIQ hue rotation is
left out, a few small element-wise kernels), both views through the network in one pass, NT-Xent (tau 0.5), AdamW.
bf16 and fp16 run the network under torch.autocast (fp16 with GradScaler), the standard PyTorch way.
--augment none feeds the normalised images as both views; --channels-last and --cudnn-benchmark are the two usual
GPU speed-ups that FedActors (TorchSharp 0.107 has neither) does not use, to show what they would be worth.
Images per second count source images (each gives two views), over --steps timed steps after 2 warm-up steps;
loss.item() ends every step, as in SimClrFigure.cs. Prints one line per precision.
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F
import torchvision


def projector():
    return torch.nn.Sequential(
        torch.nn.Linear(2048, 2048, bias=False), torch.nn.BatchNorm1d(2048), torch.nn.ReLU(inplace=True),
        torch.nn.Linear(2048, 128))


def augment(images, mean, std):
    x = images.float().div_(255)
    n, c, h, w = x.shape
    u = torch.rand(n, 8, dtype=torch.float64).to(x.device)
    area = u[:, 0] * 0.8 + 0.2
    ratio = torch.exp(u[:, 1] * (math.log(4 / 3) - math.log(3 / 4)) + math.log(3 / 4))
    crop_w = (area * ratio).sqrt().clamp(max=1)
    crop_h = (area / ratio).sqrt().clamp(max=1)
    centre_x = (u[:, 2] * 2 - 1) * (1 - crop_w)
    centre_y = (u[:, 3] * 2 - 1) * (1 - crop_h)
    scale_x = crop_w * torch.where(u[:, 4] < 0.5, -1.0, 1.0)
    zero = torch.zeros_like(area)
    theta = torch.stack([scale_x, zero, centre_x, zero, crop_h, centre_y], 1).view(n, 2, 3).float()
    x = F.grid_sample(x, F.affine_grid(theta, [n, c, h, w], align_corners=False), padding_mode="reflection",
                      align_corners=False)
    on = (u[:, 5] < 0.8).double()

    def factor(k):
        return ((u[:, k] * 2 - 1) * 0.4 * on + 1).clamp(min=0).float().view(n, 1, 1, 1)

    def gray(t):
        return (t * luma).sum(1, keepdim=True)

    luma = torch.tensor([0.299, 0.587, 0.114], device=x.device).view(1, 3, 1, 1)
    brightness, contrast, saturation = factor(6), factor(7), factor(1)
    x = (x * brightness).clamp(0, 1)
    x = (x * contrast + gray(x).mean([1, 2, 3], keepdim=True) * (1 - contrast)).clamp(0, 1)
    x = (x * saturation + gray(x) * (1 - saturation)).clamp(0, 1)
    grayscale = (torch.rand(n, device=x.device) < 0.2).float().view(n, 1, 1, 1)
    x = x + (gray(x) - x) * grayscale
    return (x - mean) / std


def nt_xent(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    logits = (z @ z.t() / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(logits, partner)


def rate(device, precision, batch, size, steps, augmented, channels_last):
    torch.manual_seed(1)
    backbone = torchvision.models.resnet50()
    backbone.fc = torch.nn.Identity()
    head = projector()
    backbone.to(device).train()
    if channels_last:
        backbone.to(memory_format=torch.channels_last)
    head.to(device).train()
    optimizer = torch.optim.AdamW(list(backbone.parameters()) + list(head.parameters()), lr=1e-3, weight_decay=1e-6)
    dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    scaler = (torch.amp.GradScaler(device.type, enabled=precision == "fp16") if hasattr(torch.amp, "GradScaler")
              else torch.cuda.amp.GradScaler(enabled=precision == "fp16"))
    pool = torch.randint(0, 256, (max(2 * batch, 64), 3, size, size), dtype=torch.uint8)
    mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)

    def step():
        images = pool[torch.randint(0, pool.shape[0], (batch,))].to(device)
        if augmented:
            views = torch.cat([augment(images, mean, std), augment(images, mean, std)])
        else:
            plain = (images.float().div_(255) - mean) / std
            views = torch.cat([plain, plain])
        if channels_last:
            views = views.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            projections = head(backbone(views))
        loss = nt_xent(projections[:batch], projections[batch:])
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        return loss.item()

    step()
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--precision", default="fp32,bf16")
    parser.add_argument("--augment", choices=["simclr", "none"], default="simclr")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--cudnn-benchmark", action="store_true")
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"pytorch {torch.__version__} simclr: resnet50 {args.size} px, batch {args.batch} (two views each), "
          f"device {device} ({name}), augmentation {args.augment}, channels-last {args.channels_last}, "
          f"cudnn benchmark {args.cudnn_benchmark}, {args.steps} timed steps")
    for precision in args.precision.split(","):
        images_per_second = rate(device, precision, args.batch, args.size, args.steps, args.augment == "simclr",
                                 args.channels_last)
        print(f"  {precision:<8} 1 trainer(s): {images_per_second:8.1f} img/s", flush=True)


if __name__ == "__main__":
    main()
