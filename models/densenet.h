// Densely connected networks (d2l 8.7): the book's DenseNet and torchvision's DenseNet-121,
// one implementation with torchvision's names (features.denseblock1.denselayer1.norm1, ...).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace d2l::models {

struct DenseNetOptions {
  TORCH_ARG(std::vector<int64_t>, block_config) = std::vector<int64_t>{6, 12, 24, 16};  // layers per block
  TORCH_ARG(int64_t, growth_rate) = 32;
  TORCH_ARG(int64_t, num_init_features) = 64;
  // torchvision's bottleneck: a 1x1 convolution to bn_size * growth_rate channels before the
  // 3x3 one. 0: the book's conv_block (BN, ReLU, 3x3 convolution only).
  TORCH_ARG(int64_t, bn_size) = 4;
  TORCH_ARG(bool, conv_bias) = false;  // the book's convolutions keep their bias
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, num_classes) = 1000;
};

DenseNetOptions book_densenet();  // 4 blocks of 4 layers, 1 channel, 10 classes
DenseNetOptions densenet121();

class DenseLayerImpl : public torch::nn::Module {
 public:
  DenseLayerImpl(int64_t in_channels, const DenseNetOptions& options);
  torch::Tensor forward(const torch::Tensor& X);  // X with growth_rate new channels appended

  torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(DenseLayer);

class DenseNetImpl : public torch::nn::Module {
 public:
  explicit DenseNetImpl(const DenseNetOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& X);
  torch::Tensor forward_head(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& X);

  DenseNetOptions options;
  // conv0, norm0, relu0, pool0, denseblock1, transition1, ..., denseblockN, norm5
  torch::nn::Sequential features;
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DenseNet);

}  // namespace d2l::models
