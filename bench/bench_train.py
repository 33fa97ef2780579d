"""Python twin of bench_train.cpp: the book's LeNet and MLP, trained from in-memory uint8
tensors with the same per-batch work (index_select, /255, forward, cross-entropy, backward,
SGD step, metric sums kept as tensors) and timed the same way.

Prints one line per case: model batch train_images_per_sec infer_ms
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

# The book's models, shared with the interop tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from book_models import lenet, mlp  # noqa: E402


def train_epochs(net, images, labels, batch_size, epochs, generator):
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    n = images.shape[0]
    seconds, examples = 0.0, 0
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        net.train()
        loss_sum, correct = torch.zeros((), dtype=torch.float64), torch.zeros((), dtype=torch.int64)
        start = time.perf_counter()
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            X = images.index_select(0, idx).float().div_(255).unsqueeze(1)
            y = labels.index_select(0, idx)
            y_hat = net(X)
            loss = loss_fn(y_hat, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * y.shape[0]
            correct += (y_hat.argmax(1) == y).sum()
            examples += y.shape[0]
        seconds += time.perf_counter() - start
        loss_sum.item(), correct.item()
    return examples / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--model", choices=["lenet", "mlp"], action="append")
    parser.add_argument("--batch-size", type=int, action="append")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = {"lenet": lenet, "mlp": mlp}
    for name in args.model or ["lenet", "mlp"]:
        make = models[name]
        for batch_size in args.batch_size or [256, 32]:
            torch.manual_seed(0)
            net = make()
            steps = 40 if batch_size >= 256 else 150
            n = steps * batch_size
            images = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8)
            labels = torch.randint(0, 10, (n,))
            generator = torch.Generator().manual_seed(0)
            train_epochs(net, images, labels, batch_size, 1, generator)  # warm-up
            throughput = train_epochs(net, images, labels, batch_size, 3, generator)
            net.eval()
            X = torch.rand(batch_size, 1, 28, 28)
            times = []
            with torch.no_grad():
                for _ in range(60):
                    start = time.perf_counter()
                    net(X)
                    times.append((time.perf_counter() - start) * 1000)
            times = sorted(times[10:])
            print(f"{name} {batch_size} {throughput:.1f} {times[len(times) // 2]:.4f}", flush=True)


if __name__ == "__main__":
    main()
