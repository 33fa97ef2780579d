// Attention scoring (d2l 11.3): the masked softmax, additive (Bahdanau) attention and scaled
// dot-product attention, shared by seq2seq with attention and the Transformer. Written with
// shape-free operations so that models using them export to TorchScript at any length.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

// Softmax over the last axis of X [batch, queries, keys], ignoring keys at positions >= the
// valid length. valid_lens: undefined (no mask), [batch] (one length per example) or
// [batch, queries] (one per query). Masked entries get -1e6 before the softmax, as the book.
torch::Tensor masked_softmax(const torch::Tensor& X, const torch::Tensor& valid_lens);

struct AdditiveAttentionOptions {
  AdditiveAttentionOptions(int64_t key_size, int64_t query_size, int64_t num_hiddens)
      : key_size_(key_size), query_size_(query_size), num_hiddens_(num_hiddens) {}
  TORCH_ARG(int64_t, key_size);
  TORCH_ARG(int64_t, query_size);
  TORCH_ARG(int64_t, num_hiddens);
  TORCH_ARG(double, dropout) = 0.0;
};

// score(q, k) = w_v^T tanh(W_q q + W_k k), then the masked softmax over keys.
class AdditiveAttentionImpl : public torch::nn::Module {
 public:
  explicit AdditiveAttentionImpl(const AdditiveAttentionOptions& options);
  // queries [b, q, query_size], keys [b, k, key_size], values [b, k, v] -> [b, q, v]
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                        const torch::Tensor& valid_lens = {});

  torch::nn::Linear W_k{nullptr}, W_q{nullptr}, w_v{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::Tensor attention_weights;  // of the last forward, for plotting as the book does
};
TORCH_MODULE(AdditiveAttention);

// score(q, k) = q . k / sqrt(d), then the masked softmax over keys.
class DotProductAttentionImpl : public torch::nn::Module {
 public:
  explicit DotProductAttentionImpl(double dropout = 0.0);
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                        const torch::Tensor& valid_lens = {});

  torch::nn::Dropout dropout{nullptr};
  torch::Tensor attention_weights;
};
TORCH_MODULE(DotProductAttention);

}  // namespace d2l::models
