"""Python twin of bench_gan.cpp: d2l 20.2's DCGAN as the book writes it (G_block, D_block, the
book's N(0, 0.02^2) init, BCEWithLogitsLoss(reduction='sum'), update_D then update_G on the same
noise, Adam at lr 0.005 with betas (0.5, 0.999)) on random 64 x 64 images.

Prints one line: dcgan images_per_sec
"""
import argparse
import time

import torch
from torch import nn


def G_block(out_channels, in_channels=3, kernel_size=4, strides=2, padding=1):
    return nn.Sequential(nn.ConvTranspose2d(in_channels, out_channels, kernel_size, strides, padding, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


def D_block(out_channels, in_channels=3, kernel_size=4, strides=2, padding=1, alpha=0.2):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding, bias=False),
                         nn.BatchNorm2d(out_channels), nn.LeakyReLU(alpha, inplace=True))


def dcgan(latent_dim=100, n_G=64, n_D=64):
    net_G = nn.Sequential(G_block(in_channels=latent_dim, out_channels=n_G * 8, strides=1, padding=0),
                          G_block(in_channels=n_G * 8, out_channels=n_G * 4),
                          G_block(in_channels=n_G * 4, out_channels=n_G * 2),
                          G_block(in_channels=n_G * 2, out_channels=n_G),
                          nn.ConvTranspose2d(in_channels=n_G, out_channels=3, kernel_size=4, stride=2, padding=1,
                                             bias=False),
                          nn.Tanh())
    net_D = nn.Sequential(D_block(n_D), D_block(in_channels=n_D, out_channels=n_D * 2),
                          D_block(in_channels=n_D * 2, out_channels=n_D * 4),
                          D_block(in_channels=n_D * 4, out_channels=n_D * 8),
                          nn.Conv2d(in_channels=n_D * 8, out_channels=1, kernel_size=4, bias=False))
    return net_G, net_D


def update_D(X, Z, net_D, net_G, loss, trainer_D):
    batch_size = X.shape[0]
    ones, zeros = torch.ones((batch_size,)), torch.zeros((batch_size,))
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X.detach())
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape)) + loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D


def update_G(Z, net_D, net_G, loss, trainer_G):
    batch_size = Z.shape[0]
    ones = torch.ones((batch_size,))
    trainer_G.zero_grad()
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X)
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net_G, net_D = dcgan()
    for w in net_D.parameters():
        nn.init.normal_(w, 0, 0.02)
    for w in net_G.parameters():
        nn.init.normal_(w, 0, 0.02)
    loss = nn.BCEWithLogitsLoss(reduction='sum')
    trainer_D = torch.optim.Adam(net_D.parameters(), lr=0.005, betas=[0.5, 0.999])
    trainer_G = torch.optim.Adam(net_G.parameters(), lr=0.005, betas=[0.5, 0.999])
    images = torch.randint(0, 256, (args.batches * args.batch_size, 3, 64, 64), dtype=torch.uint8)

    def epoch(n):
        metric = torch.zeros(3)
        for i in range(n):
            X = images[i * args.batch_size:(i + 1) * args.batch_size].float() / 255 * 2 - 1
            Z = torch.normal(0, 1, size=(X.shape[0], 100, 1, 1))
            metric += torch.tensor([update_D(X, Z, net_D, net_G, loss, trainer_D).item(),
                                    update_G(Z, net_D, net_G, loss, trainer_G).item(), X.shape[0]])
        return metric

    epoch(1)  # warm-up
    start = time.perf_counter()
    epoch(args.batches)
    print("dcgan", args.batches * args.batch_size / (time.perf_counter() - start))


if __name__ == "__main__":
    main()
