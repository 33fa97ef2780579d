"""Python twin of bench_gan.cpp.

--model dcgan: d2l 20.2's DCGAN as the book writes it (G_block, D_block, the book's N(0, 0.02^2)
init, BCEWithLogitsLoss(reduction='sum'), update_D then update_G on the same noise, Adam at lr
0.005 with betas (0.5, 0.999)) on random 64 x 64 images.
--model cyclegan: CycleGAN as the authors' reference code trains it (ResnetGenerator with 6
blocks, 70 x 70 NLayerDiscriminator, instance norm; optimize_parameters: the generators' step
with the discriminators frozen, LSGAN + cycle (10) + identity (5) losses, then the
discriminators' step on an ImagePool of 50; Adam 2e-4, beta1 0.5) on random unpaired images,
batch 1.

Prints one line: MODEL images_per_sec
"""
import argparse
import functools
import random
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


norm_layer = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), norm_layer(dim), nn.ReLU(True),
                                        nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), norm_layer(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def resnet_generator(ngf=64, n_blocks=6):
    model = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), norm_layer(ngf), nn.ReLU(True)]
    for mult in (1, 2):
        model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1), norm_layer(ngf * mult * 2), nn.ReLU(True)]
    model += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
    for mult in (4, 2):
        model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1),
                  norm_layer(ngf * mult // 2), nn.ReLU(True)]
    model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
    return nn.Sequential(*model)


def patch_discriminator(ndf=64):
    return nn.Sequential(nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(ndf, ndf * 2, 4, 2, 1), norm_layer(ndf * 2), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1), norm_layer(ndf * 4), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(ndf * 4, ndf * 8, 4, 1, 1), norm_layer(ndf * 8), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(ndf * 8, 1, 4, 1, 1))


class ImagePool:
    def __init__(self, pool_size=50):
        self.pool_size, self.images = pool_size, []

    def query(self, images):
        out = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            if len(self.images) < self.pool_size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                k = random.randint(0, self.pool_size - 1)
                out.append(self.images[k].clone())
                self.images[k] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def bench_cyclegan(args):
    nets = [resnet_generator(), resnet_generator(), patch_discriminator(), patch_discriminator()]
    for net in nets:
        for name, p in net.named_parameters():
            if p.dim() > 1:
                nn.init.normal_(p, 0.0, 0.02)
            else:
                nn.init.zeros_(p)
    G_A, G_B, D_A, D_B = nets
    optimizer_G = torch.optim.Adam(list(G_A.parameters()) + list(G_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(list(D_A.parameters()) + list(D_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
    mse, l1 = nn.MSELoss(), nn.L1Loss()
    gan_loss = lambda pred, real: mse(pred, torch.full_like(pred, 1.0 if real else 0.0))  # noqa: E731
    pool_A, pool_B = ImagePool(), ImagePool()
    side = args.side
    A = torch.randint(0, 256, (args.batches, 3, side, side), dtype=torch.uint8)
    B = torch.randint(0, 256, (args.batches, 3, side, side), dtype=torch.uint8)

    def set_requires_grad(nets, on):
        for net in nets:
            for p in net.parameters():
                p.requires_grad = on

    def step(i):
        real_A, real_B = A[i:i + 1].float() / 255 * 2 - 1, B[i:i + 1].float() / 255 * 2 - 1
        fake_B = G_A(real_A)
        rec_A = G_B(fake_B)
        fake_A = G_B(real_B)
        rec_B = G_A(fake_A)
        set_requires_grad([D_A, D_B], False)
        optimizer_G.zero_grad()
        loss_idt = l1(G_A(real_B), real_B) * 5 + l1(G_B(real_A), real_A) * 5
        loss_G = (gan_loss(D_A(fake_B), True) + gan_loss(D_B(fake_A), True) + l1(rec_A, real_A) * 10 +
                  l1(rec_B, real_B) * 10 + loss_idt)
        loss_G.backward()
        optimizer_G.step()
        set_requires_grad([D_A, D_B], True)
        optimizer_D.zero_grad()
        fake_B_ = pool_B.query(fake_B)
        loss_D_A = (gan_loss(D_A(real_B), True) + gan_loss(D_A(fake_B_.detach()), False)) * 0.5
        loss_D_A.backward()
        fake_A_ = pool_A.query(fake_A)
        loss_D_B = (gan_loss(D_B(real_A), True) + gan_loss(D_B(fake_A_.detach()), False)) * 0.5
        loss_D_B.backward()
        optimizer_D.step()

    step(0)  # warm-up
    start = time.perf_counter()
    for i in range(args.batches):
        step(i)
    print("cyclegan", args.batches / (time.perf_counter() - start))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="dcgan")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--side", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "cyclegan":
        bench_cyclegan(args)
        return
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
