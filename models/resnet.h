// Residual networks (d2l 8.6): the book's ResNet-18 and torchvision's ResNet-18/34/50,
// one implementation whose children carry torchvision's names, so its .pth weights load.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace d2l::models {

struct ResNetOptions {
  TORCH_ARG(std::vector<int64_t>, stages) = std::vector<int64_t>{2, 2, 2, 2};  // blocks per stage
  TORCH_ARG(bool, bottleneck) = false;
  TORCH_ARG(int64_t, groups) = 1;  // ResNeXt: grouped bottleneck convolutions
  TORCH_ARG(int64_t, width_per_group) = 64;
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, num_classes) = 1000;
  // The book's variant: convolutions with bias, 1x1 shortcuts without batch norm.
  TORCH_ARG(bool, book) = false;
};

ResNetOptions book_resnet18();  // 1 channel, 10 classes: d2l 8.6
ResNetOptions resnet18();       // torchvision.models.resnet18()
ResNetOptions resnet34();
ResNetOptions resnet50();

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& X);  // the last stage's feature map
  torch::Tensor forward_head(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& X);

  ResNetOptions options;
  // Registered as conv1, bn1, layer1..layer4, fc: torchvision's names.
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::vector<torch::nn::Sequential> layers;
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace d2l::models
