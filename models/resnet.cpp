#include "models/resnet.h"

#include <torch/nn/functional/pooling.h>

#include "models/layers/residual.h"

namespace d2l::models {
namespace nn = torch::nn;

ResNetOptions book_resnet18() { return ResNetOptions().in_channels(1).num_classes(10).book(true); }
ResNetOptions resnet18() { return ResNetOptions(); }
ResNetOptions resnet34() { return ResNetOptions().stages({3, 4, 6, 3}); }
ResNetOptions resnet50() { return ResNetOptions().stages({3, 4, 6, 3}).bottleneck(true); }

ResNetImpl::ResNetImpl(const ResNetOptions& o) : options(o) {
  conv1 = register_module(
      "conv1", nn::Conv2d(nn::Conv2dOptions(o.in_channels(), 64, 7).stride(2).padding(3).bias(o.book())));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  int64_t in = 64;
  for (size_t stage = 0; stage < o.stages().size(); ++stage) {
    const int64_t channels = 64 << stage;
    nn::Sequential layer;
    for (int64_t i = 0; i < o.stages()[stage]; ++i) {
      auto block_options = ResidualOptions(in, channels)
                               .stride(stage > 0 && i == 0 ? 2 : 1)
                               .bottleneck(o.bottleneck())
                               .groups(o.groups())
                               .base_width(o.width_per_group())
                               .conv_bias(o.book())
                               .shortcut_bn(!o.book());
      in = block_options.out_channels();
      layer->push_back(Residual(block_options));
    }
    layers.push_back(register_module("layer" + std::to_string(stage + 1), layer));
  }
  fc = register_module("fc", nn::Linear(in, o.num_classes()));
}

torch::Tensor ResNetImpl::forward_features(const torch::Tensor& X) {
  auto Y = torch::relu(bn1(conv1(X)));
  Y = torch::max_pool2d(Y, 3, 2, 1);
  for (auto& layer : layers) Y = layer->forward(Y);
  return Y;
}

torch::Tensor ResNetImpl::forward_head(const torch::Tensor& features) {
  return fc(torch::adaptive_avg_pool2d(features, {1, 1}).flatten(1));
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
