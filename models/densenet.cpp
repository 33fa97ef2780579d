#include "models/densenet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/pooling.h>

#include "models/layers/avg_pool.h"
#include "models/layers/nested_sequential.h"

namespace d2l::models {
namespace nn = torch::nn;

DenseNetOptions book_densenet() {
  return DenseNetOptions().block_config({4, 4, 4, 4}).bn_size(0).conv_bias(true).in_channels(1).num_classes(10);
}
DenseNetOptions densenet121() { return DenseNetOptions(); }

DenseLayerImpl::DenseLayerImpl(int64_t in, const DenseNetOptions& o) {
  const bool bias = o.conv_bias();
  norm1 = register_module("norm1", nn::BatchNorm2d(in));
  if (o.bn_size() > 0) {
    const int64_t width = o.bn_size() * o.growth_rate();
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, width, 1).bias(bias)));
    norm2 = register_module("norm2", nn::BatchNorm2d(width));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(width, o.growth_rate(), 3).padding(1).bias(bias)));
  } else {
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, o.growth_rate(), 3).padding(1).bias(bias)));
  }
}

torch::Tensor DenseLayerImpl::forward(const torch::Tensor& X) {
  auto Y = conv1(torch::relu(norm1(X)));
  if (conv2) Y = conv2(torch::relu(norm2(Y)));
  return torch::cat({X, Y}, 1);
}

DenseNetImpl::DenseNetImpl(const DenseNetOptions& o) : options(o) {
  const bool bias = o.conv_bias();
  int64_t channels = o.num_init_features();
  features->push_back("conv0", nn::Conv2d(nn::Conv2dOptions(o.in_channels(), channels, 7).stride(2).padding(3).bias(bias)));
  features->push_back("norm0", nn::BatchNorm2d(channels));
  features->push_back("relu0", nn::ReLU(nn::ReLUOptions(true)));
  features->push_back("pool0", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  const auto& blocks = o.block_config();
  for (size_t i = 0; i < blocks.size(); ++i) {
    NestedSequential block;
    for (int64_t j = 0; j < blocks[i]; ++j) {
      block->push_back("denselayer" + std::to_string(j + 1), DenseLayer(channels, o));
      channels += o.growth_rate();
    }
    features->push_back("denseblock" + std::to_string(i + 1), block);
    if (i + 1 < blocks.size()) {
      // Transition block: halve the channels with a 1x1 convolution and the resolution with pooling.
      NestedSequential transition;
      transition->push_back("norm", nn::BatchNorm2d(channels));
      transition->push_back("relu", nn::ReLU(nn::ReLUOptions(true)));
      transition->push_back("conv", nn::Conv2d(nn::Conv2dOptions(channels, channels / 2, 1).bias(bias)));
      transition->push_back("pool", AvgPool2d(nn::AvgPool2dOptions(2).stride(2)));
      features->push_back("transition" + std::to_string(i + 1), transition);
      channels /= 2;
    }
  }
  features->push_back("norm5", nn::BatchNorm2d(channels));
  register_module("features", features);
  classifier = register_module("classifier", nn::Linear(channels, o.num_classes()));
}

torch::Tensor DenseNetImpl::forward_features(const torch::Tensor& X) { return features->forward(X); }

torch::Tensor DenseNetImpl::forward_head(const torch::Tensor& F) {
  return classifier(torch::adaptive_avg_pool2d(torch::relu(F), {1, 1}).flatten(1));
}

torch::Tensor DenseNetImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
