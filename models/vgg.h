// Networks using blocks (d2l 8.2): the book's VGG-11 (full and with channels / 4) and
// torchvision's VGG-11/16/19 with and without batch norm; torchvision's child names.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <utility>
#include <vector>

namespace d2l::models {

// (num_convs, out_channels) per block, the book's conv_arch.
using VGGArch = std::vector<std::pair<int64_t, int64_t>>;

VGGArch vgg11_arch(int64_t ratio = 1);  // ((1,64),(1,128),(2,256),(2,512),(2,512)), channels / ratio
VGGArch vgg16_arch();
VGGArch vgg19_arch();

struct VGGOptions {
  TORCH_ARG(VGGArch, arch) = vgg11_arch();
  TORCH_ARG(bool, batch_norm) = false;  // Conv-BN-ReLU (torchvision's vgg*_bn)
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, num_classes) = 1000;
  TORCH_ARG(int64_t, num_hiddens) = 4096;  // the book keeps 4096 even with small channels
  TORCH_ARG(double, dropout) = 0.5;
};

// The convolutional part of a VGG: every block's [Conv 3x3 (padding 1), (BN), ReLU] x n, then a
// 2 x 2 max pool; torchvision's `features` (children named 0, 1, 2, ...).
torch::nn::Sequential vgg_features(const VGGArch& arch, bool batch_norm = false, int64_t in_channels = 3);

class VGGImpl : public torch::nn::Module {
 public:
  explicit VGGImpl(const VGGOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& X);
  torch::Tensor forward_head(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& X);

  VGGOptions options;
  // features: every block's [Conv 3x3, (BN), ReLU] x n, MaxPool; then a 7x7 average pool
  // (a no-op at the book's 224 x 224) and the classifier.
  torch::nn::Sequential features, classifier;
};
TORCH_MODULE(VGG);

}  // namespace d2l::models
