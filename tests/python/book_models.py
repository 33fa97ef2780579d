"""The book's PyTorch models (d2l 4.5, 5.2, 7.6, 8.5), the reference for d2l-cpp's tests and
benchmark. Run as a script, it loads weights exported by d2l-cpp.

Usage: book_models.py NAME=FILE ...   Each FILE is a dict of tensors (torch::pickle_save) holding
the model's state dict plus __input__ and __output__; we check that the book's model with those
weights maps the input to the same output. Exits non-zero on any mismatch.
"""
import sys

import torch
from torch import nn


class Book(nn.Module):
    """The book's models keep their layers in self.net."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, X):
        return self.net(X)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def bn_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(), nn.Linear(84, 10))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


class SoftmaxRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(784, 10)

    def forward(self, X):
        return self.net(X.flatten(1))


MODELS = {"lenet": lambda: Book(lenet()), "bn-lenet": lambda: Book(bn_lenet()),
          "mlp": lambda: Book(mlp()), "softmax-regression": SoftmaxRegression}



def main():
    failed = False
    for arg in sys.argv[1:]:
        name, path = arg.split("=", 1)
        state = torch.load(path)
        X, expected = state.pop("__input__"), state.pop("__output__")
        model = MODELS[name]()
        model.load_state_dict(state, strict=True)  # names and shapes must match exactly
        model.eval()
        with torch.no_grad():
            diff = (model(X) - expected).abs().max().item()
        ok = diff < 1e-5
        failed |= not ok
        print(f"{name}: max |python - c++| = {diff:.2e} {'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
