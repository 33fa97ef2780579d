"""Python twin of bench_style.cpp: d2l 14.12's style transfer as the book runs it (torchvision's
VGG-19 up to conv5_1, extract_features, compute_loss, Adam at lr 0.3 with StepLR(50, 0.8) on the
image), on random images and weights of the same shape.

Prints one line: neural-style steps_per_sec
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from neural_style import compute_loss, content_layers, extract_features, gram, style_layers, vgg19_net  # noqa: E402


class SynthesizedImage(torch.nn.Module):
    def __init__(self, img_shape):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.rand(*img_shape))

    def forward(self):
        return self.weight


def train(net, X, contents_Y, styles_Y_gram, steps):
    gen_img = SynthesizedImage(X.shape)
    gen_img.weight.data.copy_(X.data)
    trainer = torch.optim.Adam(gen_img.parameters(), lr=0.3)
    scheduler = torch.optim.lr_scheduler.StepLR(trainer, 50, 0.8)
    for _ in range(steps):
        trainer.zero_grad()
        contents_Y_hat, styles_Y_hat = extract_features(net, gen_img(), content_layers, style_layers)
        _, _, _, l = compute_loss(gen_img(), contents_Y_hat, styles_Y_hat, contents_Y, styles_Y_gram)
        l.backward()
        trainer.step()
        scheduler.step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--height", type=int, default=300)
    parser.add_argument("--width", type=int, default=450)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = vgg19_net()
    for p in net.parameters():
        p.requires_grad_(False)
    content, style = torch.randn(1, 3, args.height, args.width), torch.randn(1, 3, args.height, args.width)
    with torch.no_grad():
        contents_Y, _ = extract_features(net, content, content_layers, style_layers)
        _, styles_Y = extract_features(net, style, content_layers, style_layers)
        styles_Y_gram = [gram(Y) for Y in styles_Y]
    train(net, content, contents_Y, styles_Y_gram, 2)  # warm-up
    start = time.perf_counter()
    train(net, content, contents_Y, styles_Y_gram, args.steps)
    print("neural-style", args.steps / (time.perf_counter() - start))


if __name__ == "__main__":
    main()
