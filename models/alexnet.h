// Deep convolutional neural networks (d2l 8.1): the book's AlexNet and torchvision's, one
// implementation; children named features / classifier as in torchvision.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

struct AlexNetOptions {
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, num_classes) = 1000;
  TORCH_ARG(double, dropout) = 0.5;
  // book: 96-256-384-384-256 channels, a 5x5 map into the classifier and dropout after each
  // hidden layer (the original paper's widths). torchvision: 64-192-384-256-256 channels (the
  // "one weird trick" variant), a 6x6 map and dropout before each hidden layer.
  TORCH_ARG(bool, book) = false;
};

AlexNetOptions book_alexnet();  // 1 channel, 10 classes

class AlexNetImpl : public torch::nn::Module {
 public:
  explicit AlexNetImpl(const AlexNetOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& X);
  torch::Tensor forward_head(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& X);

  AlexNetOptions options;
  torch::nn::Sequential features, classifier;
};
TORCH_MODULE(AlexNet);

}  // namespace d2l::models
