#include "models/layers/multi_head_attention.h"

#include <stdexcept>

namespace d2l::models {

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const MultiHeadAttentionOptions& o) : options(o) {
  if (o.num_heads() <= 0 || o.num_hiddens() % o.num_heads() != 0)
    throw std::invalid_argument("multi-head attention: " + std::to_string(o.num_heads()) + " heads do not divide " +
                                std::to_string(o.num_hiddens()) + " hidden units");
  const auto linear = [&](const char* name) {
    return register_module(name, torch::nn::Linear(torch::nn::LinearOptions(o.num_hiddens(), o.num_hiddens()).bias(o.bias())));
  };
  W_q = linear("W_q");
  W_k = linear("W_k");
  W_v = linear("W_v");
  W_o = linear("W_o");
  attention = register_module("attention", DotProductAttention(o.dropout()));
}

torch::Tensor MultiHeadAttentionImpl::split_heads(const torch::Tensor& X) const {
  return X.unflatten(-1, {options.num_heads(), -1}).permute({0, 2, 1, 3}).flatten(0, 1);
}

torch::Tensor MultiHeadAttentionImpl::merge_heads(const torch::Tensor& X) const {
  return X.unflatten(0, {-1, options.num_heads()}).permute({0, 2, 1, 3}).flatten(2);
}

torch::Tensor MultiHeadAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                              const torch::Tensor& values, const torch::Tensor& valid_lens) {
  // Each example's lengths serve all of its heads (the book's repeat_interleave).
  const auto lens = valid_lens.defined() ? valid_lens.repeat_interleave(options.num_heads(), 0) : valid_lens;
  const auto output = attention(split_heads(W_q(queries)), split_heads(W_k(keys)), split_heads(W_v(values)), lens);
  return W_o(merge_heads(output));
}

}  // namespace d2l::models
