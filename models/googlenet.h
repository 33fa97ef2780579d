// Multi-branch networks (d2l 8.4): GoogLeNet with Inception blocks, the book's (convolutions
// with bias, no batch norm, 5x5 third branch) and torchvision's (Conv-BN, a 3x3 third branch
// as in torchvision's code, ceil-mode pooling, auxiliary heads), with torchvision's names.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

struct GoogLeNetOptions {
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, num_classes) = 1000;
  TORCH_ARG(bool, book) = false;
  // torchvision only: auxiliary classifiers after inception4a and 4d. They are kept so that
  // torchvision's weights load; forward() returns the main head only.
  TORCH_ARG(bool, aux_logits) = true;
  // torchvision only: map ImageNet-normalised input to the (x - 0.5) / 0.5 scaling the original
  // weights were trained on (torchvision sets it for its pretrained weights).
  TORCH_ARG(bool, transform_input) = false;
  TORCH_ARG(double, dropout) = 0.2;
};

GoogLeNetOptions book_googlenet();  // 1 channel, 10 classes

// Conv2d + ReLU (book) or Conv2d without bias + BatchNorm(eps 1e-3) + ReLU (torchvision).
class BasicConv2dImpl : public torch::nn::Module {
 public:
  BasicConv2dImpl(const torch::nn::Conv2dOptions& conv_options, bool batch_norm);
  torch::Tensor forward(const torch::Tensor& X);

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(BasicConv2d);

struct InceptionOptions {
  int64_t in_channels, c1;  // branch 1: 1x1
  int64_t c2_reduce, c2;    // branch 2: 1x1 then 3x3
  int64_t c3_reduce, c3;    // branch 3: 1x1 then 5x5 (book) or 3x3 (torchvision)
  int64_t c4;               // branch 4: 3x3 max pool then 1x1
};

class InceptionImpl : public torch::nn::Module {
 public:
  InceptionImpl(const InceptionOptions& channels, bool book);
  torch::Tensor forward(const torch::Tensor& X);  // the four branches concatenated on channels

  BasicConv2d branch1{nullptr};
  torch::nn::Sequential branch2, branch3, branch4;
};
TORCH_MODULE(Inception);

class InceptionAuxImpl : public torch::nn::Module {
 public:
  InceptionAuxImpl(int64_t in_channels, int64_t num_classes);
  torch::Tensor forward(const torch::Tensor& X);

  BasicConv2d conv{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(InceptionAux);

class GoogLeNetImpl : public torch::nn::Module {
 public:
  explicit GoogLeNetImpl(const GoogLeNetOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& X);
  torch::Tensor forward_head(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& X);

  GoogLeNetOptions options;
  BasicConv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  Inception inception3a{nullptr}, inception3b{nullptr}, inception4a{nullptr}, inception4b{nullptr},
      inception4c{nullptr}, inception4d{nullptr}, inception4e{nullptr}, inception5a{nullptr}, inception5b{nullptr};
  InceptionAux aux1{nullptr}, aux2{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear fc{nullptr};

 private:
  torch::Tensor pool(const torch::Tensor& X, bool last) const;
};
TORCH_MODULE(GoogLeNet);

}  // namespace d2l::models
