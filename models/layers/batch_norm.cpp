#include "models/layers/batch_norm.h"

#include <stdexcept>

namespace d2l::models {

BatchNormImpl::BatchNormImpl(const BatchNormOptions& options_) : options(options_) {
  if (options.num_dims() != 2 && options.num_dims() != 4)
    throw std::invalid_argument("BatchNorm: num_dims must be 2 or 4");
  // Shapes broadcast against (batch, features) or (batch, channels, height, width).
  std::vector<int64_t> shape{1, options.num_features()};
  if (options.num_dims() == 4) shape = {1, options.num_features(), 1, 1};
  gamma = register_parameter("gamma", torch::ones(shape));
  beta = register_parameter("beta", torch::zeros(shape));
  moving_mean = register_buffer("moving_mean", torch::zeros(shape));
  moving_var = register_buffer("moving_var", torch::ones(shape));
}

torch::Tensor BatchNormImpl::forward(const torch::Tensor& X) {
  if (!is_training()) {
    // Prediction: normalise with the moving statistics.
    return gamma * (X - moving_mean) / torch::sqrt(moving_var + options.eps()) + beta;
  }
  // Training: statistics of this minibatch (per feature, or per channel over all pixels).
  const std::vector<int64_t> dims = X.dim() == 2 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 2, 3};
  auto mean = X.mean(dims, /*keepdim=*/true);
  auto var = ((X - mean) * (X - mean)).mean(dims, /*keepdim=*/true);
  {
    torch::NoGradGuard no_grad;
    const double m = options.momentum();
    moving_mean.mul_(1.0 - m).add_(mean, m);
    moving_var.mul_(1.0 - m).add_(var, m);
  }
  return gamma * (X - mean) / torch::sqrt(var + options.eps()) + beta;
}

}  // namespace d2l::models
