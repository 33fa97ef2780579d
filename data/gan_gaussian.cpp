#include "data/gan_gaussian.h"

#include <ATen/CPUGeneratorImpl.h>

namespace d2l::data {

torch::Tensor gan_gaussian_A() { return torch::tensor({1.0f, 2.0f, -0.1f, 0.5f}).view({2, 2}); }
torch::Tensor gan_gaussian_b() { return torch::tensor({1.0f, 2.0f}); }

DataModule gan_gaussian(const GANGaussianOptions& o) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(o.seed());
  const auto X = torch::randn({o.num_examples(), 2}, generator);
  DataModule dm;
  dm.name = "gan-gaussian";
  dm.train = {X.matmul(gan_gaussian_A()) + gan_gaussian_b(), torch::zeros({o.num_examples()}, torch::kInt64)};
  dm.val = dm.train.head(100);
  dm.class_names = {"data"};
  return dm;
}

}  // namespace d2l::data
