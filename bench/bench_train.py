"""Python twin of bench_train.cpp: the same model (the book's code from tests/python/book_models.py,
or torchvision's), trained from in-memory uint8 tensors with the same per-batch work
(index_select, /255, forward, cross-entropy, backward, SGD step, metric sums kept as tensors)
and timed the same way; then the median latency of forward passes in eval mode.

Prints one line: model batch train_images_per_sec infer_ms
"""
import argparse
import os
import sys
import time
import warnings

import torch
from torch import nn

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from book_models import CNNS, lenet, mlp  # noqa: E402


def fcn(num_classes=21):
    """d2l 14.11: resnet18 minus its last two children, a 1 x 1 conv, a bilinear transposed conv."""
    import torchvision.models as tv
    net = nn.Sequential(*list(tv.resnet18().children())[:-2])
    net.add_module("final_conv", nn.Conv2d(512, num_classes, kernel_size=1))
    net.add_module("transpose_conv", nn.ConvTranspose2d(num_classes, num_classes, kernel_size=64, padding=16, stride=32))
    factor, center = 32, 31.5
    og = torch.arange(64).float()
    row = 1 - (og - center).abs() / factor
    weight = torch.zeros(num_classes, num_classes, 64, 64)
    weight[range(num_classes), range(num_classes)] = row.view(-1, 1) * row.view(1, -1)
    net.transpose_conv.weight.data.copy_(weight)
    return net


def make_model(name):
    if name == "fcn":
        return fcn()
    if name == "lenet":
        return lenet()
    if name == "mlp":
        return mlp()
    if name in CNNS:
        return CNNS[name][0]()
    import torchvision.models as tv  # tv-resnet18 -> resnet18, tv-vgg11-bn -> vgg11_bn
    tv_name = name[len("tv-"):].replace("-", "_")
    kwargs = {"aux_logits": True, "init_weights": True} if tv_name == "googlenet" else {}
    return getattr(tv, tv_name)(num_classes=10, **kwargs)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def grad_scaler(device):
    """PyTorch's gradient scaler for float16 (torch.amp.GradScaler since 2.3, torch.cuda.amp before)."""
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler(device.type)
    return torch.cuda.amp.GradScaler()


def forward(net, loss_fn, X, y):
    y_hat = net(X)
    if not torch.is_tensor(y_hat):  # torchvision's GoogLeNet in training mode: main logits
        y_hat = y_hat[0]
    return y_hat, loss_fn(y_hat, y)


def train_epoch(net, images, labels, batch_size, generator, memory_format, amp="none"):
    """One epoch over data already on the device; amp: none | bf16 | fp16 (autocast, and for fp16
    a gradient scaler), as d2l-cpp's --amp."""
    device = images.device
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    scaler = grad_scaler(device) if amp == "fp16" else None
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
    n = images.shape[0]
    order = torch.randperm(n, generator=generator).to(device)
    net.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    synchronize(device)
    start = time.perf_counter()
    for i in range(0, n, batch_size):
        idx = order[i:i + batch_size]
        X = images.index_select(0, idx).float().div_(255)
        if X.dim() == 4:
            X = X.contiguous(memory_format=memory_format)
        y = labels.index_select(0, idx)
        if dtype is None:
            y_hat, loss = forward(net, loss_fn, X, y)
        else:  # the forward pass and the loss, as d2l-cpp's training step
            with torch.autocast(device.type, dtype=dtype):
                y_hat, loss = forward(net, loss_fn, X, y)
        optimizer.zero_grad()
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        loss_sum += loss.detach() * y.shape[0]
        correct += (y_hat.argmax(1) == y).sum()
    loss_sum.item(), correct.item()
    synchronize(device)
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--model", required=True)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--side", type=int, default=28)
    parser.add_argument("--width", type=int, default=0, help="image width when not square (0: --side)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--infer-batch", type=int, default=256)
    parser.add_argument("--infer-runs", type=int, default=50)
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", default="none", choices=["none", "bf16", "fp16"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as d2l-cpp's trainer on CUDA
    torch.manual_seed(0)
    net = make_model(args.model)
    shape = (args.channels, args.side, args.width or args.side)
    if args.model in ("lenet", "mlp"):
        shape = (1, 28, 28)
    generator = torch.Generator().manual_seed(0)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = net.to(device).to(memory_format=memory_format)

    def data(n):  # images, and a class per image or (segmentation) per pixel, on the device
        labels = torch.randint(0, 21, (n,) + shape[1:]) if args.model == "fcn" else torch.randint(0, 10, (n,))
        return torch.randint(0, 256, (n,) + shape, dtype=torch.uint8).to(device), labels.to(device)

    train_epoch(net, *data(args.batch_size), args.batch_size, generator, memory_format, args.amp)  # warm-up
    throughput = train_epoch(net, *data(args.steps * args.batch_size), args.batch_size, generator, memory_format,
                             args.amp)
    net.eval()
    X = torch.rand((args.infer_batch,) + shape, device=device)
    if X.dim() == 4:
        X = X.contiguous(memory_format=memory_format)
    times = []
    with torch.no_grad():
        for i in range(2 * args.infer_runs):
            start = time.perf_counter()
            net(X)
            synchronize(device)
            if i >= args.infer_runs:
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{args.model} {args.batch_size} {throughput:.1f} {times[len(times) // 2]:.4f}", flush=True)


if __name__ == "__main__":
    main()
