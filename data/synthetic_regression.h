// The book's synthetic regression data (d2l 3.3): y = X w + b + noise, X ~ N(0, 1).
#pragma once
#include <vector>

#include "data/data_module.h"

namespace d2l::data {

struct SyntheticRegressionOptions {
  TORCH_ARG(std::vector<double>, w) = std::vector<double>{2.0, -3.4};
  TORCH_ARG(double, b) = 4.2;
  TORCH_ARG(double, noise) = 0.01;
  TORCH_ARG(int64_t, num_train) = 1000;
  TORCH_ARG(int64_t, num_val) = 1000;
  TORCH_ARG(uint64_t, seed) = 0;
};

DataModule synthetic_regression(const SyntheticRegressionOptions& options = {});

// The weight-decay chapter's high-dimensional data (d2l 3.7): 200 inputs, w = 0.01, b = 0.05,
// only 20 training examples so that the model overfits.
SyntheticRegressionOptions high_dim_regression_options();

}  // namespace d2l::data
