#include "models/googlenet.h"

#include <torch/nn/modules/activation.h>

namespace d2l::models {
namespace nn = torch::nn;

GoogLeNetOptions book_googlenet() {
  return GoogLeNetOptions().in_channels(1).num_classes(10).book(true).aux_logits(false).dropout(0.0);
}

BasicConv2dImpl::BasicConv2dImpl(const nn::Conv2dOptions& conv_options, bool batch_norm) {
  auto options = conv_options;
  conv = register_module("conv", nn::Conv2d(options.bias(!batch_norm)));
  if (batch_norm) bn = register_module("bn", nn::BatchNorm2d(nn::BatchNorm2dOptions(options.out_channels()).eps(1e-3)));
}

torch::Tensor BasicConv2dImpl::forward(const torch::Tensor& X) {
  auto Y = conv(X);
  return torch::relu(bn ? bn(Y) : Y);
}

InceptionImpl::InceptionImpl(const InceptionOptions& c, bool book) {
  auto conv = [&](int64_t in, int64_t out, int64_t k) {
    return BasicConv2d(nn::Conv2dOptions(in, out, k).padding(k / 2), !book);
  };
  const int64_t k3 = book ? 5 : 3;
  branch1 = register_module("branch1", conv(c.in_channels, c.c1, 1));
  branch2 = register_module("branch2", nn::Sequential(conv(c.in_channels, c.c2_reduce, 1), conv(c.c2_reduce, c.c2, 3)));
  branch3 = register_module("branch3", nn::Sequential(conv(c.in_channels, c.c3_reduce, 1), conv(c.c3_reduce, c.c3, k3)));
  branch4 = register_module(
      "branch4", nn::Sequential(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(1).padding(1).ceil_mode(!book)),
                                conv(c.in_channels, c.c4, 1)));
}

torch::Tensor InceptionImpl::forward(const torch::Tensor& X) {
  return torch::cat({branch1(X), branch2->forward(X), branch3->forward(X), branch4->forward(X)}, 1);
}

InceptionAuxImpl::InceptionAuxImpl(int64_t in_channels, int64_t num_classes) {
  conv = register_module("conv", BasicConv2d(nn::Conv2dOptions(in_channels, 128, 1), true));
  fc1 = register_module("fc1", nn::Linear(2048, 1024));
  fc2 = register_module("fc2", nn::Linear(1024, num_classes));
  dropout = register_module("dropout", nn::Dropout(0.7));
}

torch::Tensor InceptionAuxImpl::forward(const torch::Tensor& X) {
  auto Y = conv(torch::adaptive_avg_pool2d(X, {4, 4})).flatten(1);
  return fc2(dropout(torch::relu(fc1(Y))));
}

GoogLeNetImpl::GoogLeNetImpl(const GoogLeNetOptions& o) : options(o) {
  const bool bn = !o.book();
  auto conv = [&](int64_t in, int64_t out, int64_t k, int64_t stride = 1) {
    return BasicConv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2), bn);
  };
  auto inception = [&](const char* name, InceptionOptions c) {
    return register_module(name, Inception(c, o.book()));
  };
  conv1 = register_module("conv1", conv(o.in_channels(), 64, 7, 2));
  conv2 = register_module("conv2", conv(64, 64, 1));
  conv3 = register_module("conv3", conv(64, 192, 3));
  inception3a = inception("inception3a", {192, 64, 96, 128, 16, 32, 32});
  inception3b = inception("inception3b", {256, 128, 128, 192, 32, 96, 64});
  inception4a = inception("inception4a", {480, 192, 96, 208, 16, 48, 64});
  inception4b = inception("inception4b", {512, 160, 112, 224, 24, 64, 64});
  inception4c = inception("inception4c", {512, 128, 128, 256, 24, 64, 64});
  inception4d = inception("inception4d", {512, 112, 144, 288, 32, 64, 64});
  inception4e = inception("inception4e", {528, 256, 160, 320, 32, 128, 128});
  inception5a = inception("inception5a", {832, 256, 160, 320, 32, 128, 128});
  inception5b = inception("inception5b", {832, 384, 192, 384, 48, 128, 128});
  if (!o.book() && o.aux_logits()) {
    aux1 = register_module("aux1", InceptionAux(512, o.num_classes()));
    aux2 = register_module("aux2", InceptionAux(528, o.num_classes()));
  }
  dropout = register_module("dropout", nn::Dropout(o.dropout()));
  fc = register_module("fc", nn::Linear(1024, o.num_classes()));
}

// The book pools with 3x3, stride 2, padding 1; torchvision with 3x3 (2x2 for the last),
// stride 2, ceil mode.
torch::Tensor GoogLeNetImpl::pool(const torch::Tensor& X, bool last) const {
  if (options.book()) return torch::max_pool2d(X, 3, 2, 1);
  return torch::max_pool2d(X, last ? 2 : 3, 2, 0, 1, /*ceil_mode=*/true);
}

torch::Tensor GoogLeNetImpl::forward_features(const torch::Tensor& input) {
  auto X = input;
  if (options.transform_input()) {
    // torchvision's _transform_input, channel by channel.
    const auto mean = torch::tensor({0.485, 0.456, 0.406}, X.options()).view({1, 3, 1, 1});
    const auto std = torch::tensor({0.229, 0.224, 0.225}, X.options()).view({1, 3, 1, 1});
    X = X * (std / 0.5) + (mean - 0.5) / 0.5;
  }
  X = pool(conv1(X), false);
  X = pool(conv3(conv2(X)), false);
  X = pool(inception3b(inception3a(X)), false);
  X = inception4a(X);
  X = inception4d(inception4c(inception4b(X)));
  X = pool(inception4e(X), true);
  return inception5b(inception5a(X));
}

torch::Tensor GoogLeNetImpl::forward_head(const torch::Tensor& F) {
  return fc(dropout(torch::adaptive_avg_pool2d(F, {1, 1}).flatten(1)));
}

torch::Tensor GoogLeNetImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
