"""Neural style transfer as the book writes it (d2l 14.12, PyTorch): torchvision's VGG-19
features up to conv5_1, extract_features, gram, the three losses and compute_loss. The reference
for d2l-cpp's test and the Python twin of bench/bench_style.cpp.

  neural_style.py check DIR   DIR/input.pt (written by d2l-cpp) holds content, style, image
                              [1, 3, H, W] and A, B [1, C, h, w]. Writes DIR/vgg19_features.pt
                              (seeded random VGG-19 weights, torchvision's names) and
                              DIR/expected.pt: gram(A), the losses on A and B, the book's
                              compute_loss of image and its gradient.
"""
import os
import sys

import torch
import torchvision

style_layers, content_layers = [0, 5, 10, 19, 28], [25]
content_weight, style_weight, tv_weight = 1, 1e4, 10


def vgg19_net(seed=0):
    torch.manual_seed(seed)
    features = torchvision.models.vgg19().features
    return torch.nn.Sequential(*[features[i] for i in range(max(content_layers + style_layers) + 1)])


def extract_features(net, X, content_layers, style_layers):
    contents, styles = [], []
    for i in range(len(net)):
        X = net[i](X)
        if i in style_layers:
            styles.append(X)
        if i in content_layers:
            contents.append(X)
    return contents, styles


def content_loss(Y_hat, Y):
    return torch.square(Y_hat - Y.detach()).mean()


def gram(X):
    num_channels, n = X.shape[1], X.numel() // X.shape[1]
    X = X.reshape((num_channels, n))
    return torch.matmul(X, X.T) / (num_channels * n)


def style_loss(Y_hat, gram_Y):
    return torch.square(gram(Y_hat) - gram_Y.detach()).mean()


def tv_loss(Y_hat):
    return 0.5 * (torch.abs(Y_hat[:, :, 1:, :] - Y_hat[:, :, :-1, :]).mean() +
                  torch.abs(Y_hat[:, :, :, 1:] - Y_hat[:, :, :, :-1]).mean())


def compute_loss(X, contents_Y_hat, styles_Y_hat, contents_Y, styles_Y_gram):
    contents_l = [content_loss(Y_hat, Y) * content_weight for Y_hat, Y in zip(contents_Y_hat, contents_Y)]
    styles_l = [style_loss(Y_hat, Y) * style_weight for Y_hat, Y in zip(styles_Y_hat, styles_Y_gram)]
    tv_l = tv_loss(X) * tv_weight
    l = sum(styles_l + contents_l + [tv_l])
    return contents_l, styles_l, tv_l, l


def check(directory):
    inputs = torch.load(os.path.join(directory, "input.pt"))
    A, B = inputs["A"], inputs["B"]
    expected = {"gram": gram(A), "content_loss": content_loss(A, B), "style_loss": style_loss(A, gram(B)),
                "tv_loss": tv_loss(A)}
    net = vgg19_net()
    torch.save({f"features.{k}": v for k, v in net.state_dict().items()}, os.path.join(directory, "vgg19_features.pt"))
    with torch.no_grad():
        contents_Y, _ = extract_features(net, inputs["content"], content_layers, style_layers)
        _, styles_Y = extract_features(net, inputs["style"], content_layers, style_layers)
        styles_Y_gram = [gram(Y) for Y in styles_Y]
    X = inputs["image"].clone().requires_grad_(True)
    contents_Y_hat, styles_Y_hat = extract_features(net, X, content_layers, style_layers)
    contents_l, styles_l, tv_l, l = compute_loss(X, contents_Y_hat, styles_Y_hat, contents_Y, styles_Y_gram)
    l.backward()
    expected.update({"loss_content": sum(contents_l).detach(), "loss_style": sum(styles_l).detach(),
                     "loss_tv": tv_l.detach(), "loss_total": l.detach(), "grad": X.grad})
    torch.save(expected, os.path.join(directory, "expected.pt"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        sys.exit(__doc__)
