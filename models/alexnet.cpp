#include "models/alexnet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <array>

namespace d2l::models {
namespace nn = torch::nn;

AlexNetOptions book_alexnet() { return AlexNetOptions().in_channels(1).num_classes(10).book(true); }

AlexNetImpl::AlexNetImpl(const AlexNetOptions& o) : options(o) {
  const std::array<int64_t, 5> c =
      o.book() ? std::array<int64_t, 5>{96, 256, 384, 384, 256} : std::array<int64_t, 5>{64, 192, 384, 256, 256};
  auto conv = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding) {
    features->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(padding)));
    features->push_back(nn::ReLU(nn::ReLUOptions(true)));
  };
  auto pool = [&] { features->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2))); };
  conv(o.in_channels(), c[0], 11, 4, o.book() ? 1 : 2);
  pool();
  conv(c[0], c[1], 5, 1, 2);
  pool();
  conv(c[1], c[2], 3, 1, 1);
  conv(c[2], c[3], 3, 1, 1);
  conv(c[3], c[4], 3, 1, 1);
  pool();
  register_module("features", features);

  const int64_t side = o.book() ? 5 : 6;
  auto hidden = [&](int64_t in) {
    if (!o.book()) classifier->push_back(nn::Dropout(o.dropout()));
    classifier->push_back(nn::Linear(in, 4096));
    classifier->push_back(nn::ReLU(nn::ReLUOptions(true)));
    if (o.book()) classifier->push_back(nn::Dropout(o.dropout()));
  };
  hidden(c[4] * side * side);
  hidden(4096);
  classifier->push_back(nn::Linear(4096, o.num_classes()));
  register_module("classifier", classifier);
}

torch::Tensor AlexNetImpl::forward_features(const torch::Tensor& X) { return features->forward(X); }

torch::Tensor AlexNetImpl::forward_head(const torch::Tensor& F) {
  // Adaptive pooling, as torchvision's avgpool: a no-op at the book's 224 x 224 input, and
  // it lets the book's network run on smaller images too.
  const int64_t side = options.book() ? 5 : 6;
  return classifier->forward(torch::adaptive_avg_pool2d(F, {side, side}).flatten(1));
}

torch::Tensor AlexNetImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
