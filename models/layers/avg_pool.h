// Average pooling (d2l 7.5) as torch::nn::AvgPool2d computes it, with a faster CPU path for
// windows that tile the input: kernel == stride, no padding, height and width multiples of the
// kernel. That is LeNet's and DenseNet's 2 x 2 pooling. LibTorch's CPU kernel visits an NCHW
// tensor one output at a time; at LeNet's sizes its forward and backward took 0.43 ms of a
// 1.9 ms training step (bench/bench_train --suite small), a direct loop over rows a fraction.
// Everything else (padding, overlapping windows, channels-last, GPUs, TorchScript tracing) goes
// to torch's own avg_pool2d, so an exported model holds the standard aten::avg_pool2d.
#pragma once
#include <torch/nn/cloneable.h>
#include <torch/nn/options/pooling.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

// The same result as torch::nn::functional::avg_pool2d(X, options), forward and backward
// (gradients of gradients included).
torch::Tensor avg_pool2d(const torch::Tensor& X, const torch::nn::AvgPool2dOptions& options);

class AvgPool2dImpl : public torch::nn::Cloneable<AvgPool2dImpl> {
 public:
  explicit AvgPool2dImpl(const torch::nn::AvgPool2dOptions& options);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& X);
  void pretty_print(std::ostream& stream) const override;

  torch::nn::AvgPool2dOptions options;
};
TORCH_MODULE(AvgPool2d);

}  // namespace d2l::models
