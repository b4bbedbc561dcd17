"""One training step in PyTorch, timed like TrainFigure.cs: pytorch_step.py MODEL SIZE BATCH STEPS THREADS.

resnet18 at 32 px gets the CIFAR stem (3x3 stride 1, no max-pool) as FedActors' StemKind.Small does.
Prints images per second as the last line.
"""
import sys
import time

import torch
import torchvision

model_name, size, batch, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(1)
model = getattr(torchvision.models, model_name)(num_classes=10)
if model_name == "resnet18" and size <= 64:
    model.conv1 = torch.nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = torch.nn.Identity()
model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
images = torch.randn(batch, 3, size, size)
labels = torch.randint(0, 10, (batch,))


def step():
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


step()
start = time.perf_counter()
for _ in range(steps):
    step()
print(f"{steps * batch / (time.perf_counter() - start):.3f} img/s")
