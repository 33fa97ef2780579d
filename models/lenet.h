// LeNet (d2l 7.6) and LeNet with batch normalization (d2l 8.5).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

enum class BatchNormKind { none, scratch, builtin };

struct LeNetOptions {
  TORCH_ARG(int64_t, in_channels) = 1;
  TORCH_ARG(int64_t, num_classes) = 10;
  TORCH_ARG(int64_t, image_size) = 28;
  // none: the book's LeNet-5 (sigmoid, average pooling).
  // scratch / builtin: BN-LeNet with the book's hand-written BatchNorm or nn::BatchNorm{1,2}d.
  TORCH_ARG(BatchNormKind, batch_norm) = BatchNormKind::none;
};

class LeNetImpl : public torch::nn::Module {
 public:
  explicit LeNetImpl(const LeNetOptions& options = {});
  torch::Tensor forward(const torch::Tensor& X);

  LeNetOptions options;
  // One Sequential named "net", as in the book, so parameter names match its PyTorch model
  // (net.0.weight, net.3.weight, ...).
  torch::nn::Sequential net;
};
TORCH_MODULE(LeNet);

}  // namespace d2l::models
