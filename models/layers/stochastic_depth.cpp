#include "models/layers/stochastic_depth.h"

#include <stdexcept>
#include <string>

namespace d2l::models {

StochasticDepthImpl::StochasticDepthImpl(double p_) : p(p_) {
  if (p < 0.0 || p >= 1.0) throw std::invalid_argument("stochastic depth: probability " + std::to_string(p) + " is not in [0, 1)");
}

torch::Tensor StochasticDepthImpl::forward(const torch::Tensor& branch) {
  if (!is_training() || p == 0.0) return branch;
  std::vector<int64_t> shape(static_cast<size_t>(branch.dim()), 1);
  shape[0] = branch.size(0);  // one draw per example ("row" mode)
  const auto keep = torch::empty(shape, branch.options()).bernoulli_(1.0 - p);
  return branch * keep / (1.0 - p);
}

}  // namespace d2l::models
