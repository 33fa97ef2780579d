#include "data/synthetic_regression.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

namespace d2l::data {

DataModule synthetic_regression(const SyntheticRegressionOptions& options) {
  if (options.w().empty()) throw std::invalid_argument("synthetic regression: w must not be empty");
  if (options.num_train() <= 0 || options.num_val() <= 0)
    throw std::invalid_argument("synthetic regression: num_train and num_val must be positive");
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed());
  const int64_t n = options.num_train() + options.num_val();
  const auto w = torch::tensor(options.w(), torch::kFloat32).reshape({-1, 1});
  auto X = torch::randn({n, w.size(0)}, generator);
  auto noise = torch::randn({n, 1}, generator) * options.noise();
  auto y = torch::matmul(X, w) + options.b() + noise;
  DataModule dm;
  dm.name = "synthetic-regression";
  dm.train = {X.slice(0, 0, options.num_train()), y.slice(0, 0, options.num_train())};
  dm.val = {X.slice(0, options.num_train()), y.slice(0, options.num_train())};
  return dm;
}

SyntheticRegressionOptions high_dim_regression_options() {
  return SyntheticRegressionOptions().w(std::vector<double>(200, 0.01)).b(0.05).num_train(20).num_val(100);
}

}  // namespace d2l::data
