// Multi-head attention (d2l 11.5): h heads of scaled dot-product attention over learned
// projections W_q, W_k, W_v, concatenated and projected by W_o. Written with shape-free
// operations (unflatten / flatten instead of reshapes with read sizes) so that models using it
// export to TorchScript at any batch size and length.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/layers/attention.h"

namespace d2l::models {

struct MultiHeadAttentionOptions {
  MultiHeadAttentionOptions(int64_t num_hiddens, int64_t num_heads) : num_hiddens_(num_hiddens), num_heads_(num_heads) {}
  TORCH_ARG(int64_t, num_hiddens);
  TORCH_ARG(int64_t, num_heads);
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, bias) = false;  // the book's default
};

class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  explicit MultiHeadAttentionImpl(const MultiHeadAttentionOptions& options);
  // queries [b, q, d], keys and values [b, k, d] -> [b, q, num_hiddens]. valid_lens: undefined,
  // [b] or [b, q] (the same for every head).
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                        const torch::Tensor& valid_lens = {});

  MultiHeadAttentionOptions options;
  DotProductAttention attention{nullptr};
  torch::nn::Linear W_q{nullptr}, W_k{nullptr}, W_v{nullptr}, W_o{nullptr};

 private:
  torch::Tensor split_heads(const torch::Tensor& X) const;   // [b, n, h * d] -> [b * h, n, d]
  torch::Tensor merge_heads(const torch::Tensor& X) const;   // [b * h, n, d] -> [b, n, h * d]
};
TORCH_MODULE(MultiHeadAttention);

}  // namespace d2l::models
