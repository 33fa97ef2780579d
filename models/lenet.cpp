#include "models/lenet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "models/layers/avg_pool.h"
#include "models/layers/batch_norm.h"

namespace d2l::models {
namespace nn = torch::nn;

namespace {
// The normalisation layer after a convolution (num_dims 4) or a fully connected layer (2).
nn::AnyModule norm_layer(BatchNormKind kind, int64_t features, int64_t num_dims) {
  if (kind == BatchNormKind::scratch) return nn::AnyModule(BatchNorm(BatchNormOptions(features, num_dims)));
  if (num_dims == 4) return nn::AnyModule(nn::BatchNorm2d(features));
  return nn::AnyModule(nn::BatchNorm1d(features));
}
}  // namespace

LeNetImpl::LeNetImpl(const LeNetOptions& options_) : options(options_) {
  const bool bn = options.batch_norm() != BatchNormKind::none;
  // LeNet pads the first convolution to keep 28x28; BN-LeNet does not (the book's choice).
  const int64_t padding = bn ? 0 : 2;
  int64_t side = options.image_size() + 2 * padding - 4;  // after conv1 (5x5)
  side = (side / 2 - 4) / 2;                              // pool, conv2 (5x5), pool
  const int64_t flat = 16 * side * side;

  auto add = [&](nn::AnyModule layer) { net->push_back(std::move(layer)); };
  auto add_norm = [&](int64_t features, int64_t num_dims) {
    if (bn) add(norm_layer(options.batch_norm(), features, num_dims));
  };
  add(nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(options.in_channels(), 6, 5).padding(padding))));
  add_norm(6, 4);
  add(nn::AnyModule(nn::Sigmoid()));
  add(nn::AnyModule(AvgPool2d(nn::AvgPool2dOptions(2).stride(2))));
  add(nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(6, 16, 5))));
  add_norm(16, 4);
  add(nn::AnyModule(nn::Sigmoid()));
  add(nn::AnyModule(AvgPool2d(nn::AvgPool2dOptions(2).stride(2))));
  add(nn::AnyModule(nn::Flatten()));
  add(nn::AnyModule(nn::Linear(flat, 120)));
  add_norm(120, 2);
  add(nn::AnyModule(nn::Sigmoid()));
  add(nn::AnyModule(nn::Linear(120, 84)));
  add_norm(84, 2);
  add(nn::AnyModule(nn::Sigmoid()));
  add(nn::AnyModule(nn::Linear(84, options.num_classes())));
  register_module("net", net);
}

torch::Tensor LeNetImpl::forward(const torch::Tensor& X) { return net->forward(X); }

}  // namespace d2l::models
