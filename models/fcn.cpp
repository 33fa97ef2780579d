#include "models/fcn.h"

namespace d2l::models {
namespace nn = torch::nn;

torch::Tensor bilinear_kernel(int64_t in_channels, int64_t out_channels, int64_t k) {
  const int64_t factor = (k + 1) / 2;
  const double center = k % 2 == 1 ? factor - 1.0 : factor - 0.5;
  const auto og = torch::arange(k, torch::kFloat32);
  const auto row = 1 - (og - center).abs() / factor;  // a triangle: 1 at the centre, 0 at the edges
  const auto filter = row.view({-1, 1}) * row.view({1, -1});
  auto weight = torch::zeros({in_channels, out_channels, k, k});
  for (int64_t i = 0; i < std::min(in_channels, out_channels); ++i) weight[i][i] = filter;
  return weight;
}

FCNImpl::FCNImpl(const FCNOptions& o) : options(o), backbone(resnet18()) {
  for (const auto& child : backbone->named_children())
    if (child.key() != "fc") register_module(child.key(), child.value());
  const int64_t C = o.num_classes();
  final_conv = register_module("final_conv", nn::Conv2d(nn::Conv2dOptions(512, C, 1)));
  transpose_conv = register_module("transpose_conv", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(C, C, 64).padding(16).stride(32)));
  torch::NoGradGuard no_grad;
  transpose_conv->weight.copy_(bilinear_kernel(C, C, 64));
}

torch::Tensor FCNImpl::forward(const torch::Tensor& X) {
  return transpose_conv(final_conv(backbone->forward_features(X)));
}

}  // namespace d2l::models
