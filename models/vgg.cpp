#include "models/vgg.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

namespace d2l::models {
namespace nn = torch::nn;

VGGArch vgg11_arch(int64_t ratio) {
  VGGArch arch{{1, 64}, {1, 128}, {2, 256}, {2, 512}, {2, 512}};
  for (auto& block : arch) block.second /= ratio;
  return arch;
}
VGGArch vgg16_arch() { return {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}}; }
VGGArch vgg19_arch() { return {{2, 64}, {2, 128}, {4, 256}, {4, 512}, {4, 512}}; }

nn::Sequential vgg_features(const VGGArch& arch, bool batch_norm, int64_t in_channels) {
  nn::Sequential features;
  int64_t in = in_channels;
  for (const auto& [num_convs, channels] : arch) {
    for (int64_t i = 0; i < num_convs; ++i) {
      features->push_back(nn::Conv2d(nn::Conv2dOptions(in, channels, 3).padding(1)));
      if (batch_norm) features->push_back(nn::BatchNorm2d(channels));
      features->push_back(nn::ReLU(nn::ReLUOptions(true)));
      in = channels;
    }
    features->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
  }
  return features;
}

VGGImpl::VGGImpl(const VGGOptions& o) : options(o), features(vgg_features(o.arch(), o.batch_norm(), o.in_channels())) {
  const int64_t in = o.arch().back().second;
  classifier->push_back(nn::Linear(in * 7 * 7, o.num_hiddens()));
  classifier->push_back(nn::ReLU(nn::ReLUOptions(true)));
  classifier->push_back(nn::Dropout(o.dropout()));
  classifier->push_back(nn::Linear(o.num_hiddens(), o.num_hiddens()));
  classifier->push_back(nn::ReLU(nn::ReLUOptions(true)));
  classifier->push_back(nn::Dropout(o.dropout()));
  classifier->push_back(nn::Linear(o.num_hiddens(), o.num_classes()));
  register_module("features", features);
  register_module("classifier", classifier);
}

torch::Tensor VGGImpl::forward_features(const torch::Tensor& X) { return features->forward(X); }

torch::Tensor VGGImpl::forward_head(const torch::Tensor& F) {
  return classifier->forward(torch::adaptive_avg_pool2d(F, {7, 7}).flatten(1));
}

torch::Tensor VGGImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
