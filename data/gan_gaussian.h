// The data of the book's first GAN (d2l 20.1): 1,000 points of a 2-D Gaussian, X A + b with
// X ~ N(0, I), A = [[1, 2], [-0.1, 0.5]], b = [1, 2] (mean b, covariance AᵀA).
#pragma once
#include "data/data_module.h"

namespace d2l::data {

struct GANGaussianOptions {
  TORCH_ARG(int64_t, num_examples) = 1000;
  TORCH_ARG(uint64_t, seed) = 0;
};

// train: the points (labels all 0, unused); val: the first 100 of them (a GAN has nothing to
// validate, but the loop walks a validation loader).
DataModule gan_gaussian(const GANGaussianOptions& options = {});

// The data's A and b.
torch::Tensor gan_gaussian_A();
torch::Tensor gan_gaussian_b();

}  // namespace d2l::data
