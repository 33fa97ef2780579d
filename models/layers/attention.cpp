#include "models/layers/attention.h"

#include <cmath>

namespace d2l::models {
namespace nn = torch::nn;

torch::Tensor masked_softmax(const torch::Tensor& X, const torch::Tensor& valid_lens) {
  if (!valid_lens.defined()) return torch::softmax(X, -1);
  // Key positions 0, 1, ..., k - 1 built from one row of X (no size read that tracing would
  // freeze), then broadcast against the lengths.
  const auto positions = torch::ones_like(X.flatten(0, -2).select(0, 0)).cumsum(0) - 1;
  const auto lens = valid_lens.dim() == 1 ? valid_lens.view({-1, 1, 1}) : valid_lens.unsqueeze(-1);
  return torch::softmax(X.masked_fill(positions >= lens.to(X.scalar_type()), -1e6), -1);
}

AdditiveAttentionImpl::AdditiveAttentionImpl(const AdditiveAttentionOptions& o) {
  W_k = register_module("W_k", nn::Linear(nn::LinearOptions(o.key_size(), o.num_hiddens()).bias(false)));
  W_q = register_module("W_q", nn::Linear(nn::LinearOptions(o.query_size(), o.num_hiddens()).bias(false)));
  w_v = register_module("w_v", nn::Linear(nn::LinearOptions(o.num_hiddens(), 1).bias(false)));
  dropout = register_module("dropout", nn::Dropout(o.dropout()));
}

torch::Tensor AdditiveAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                             const torch::Tensor& values, const torch::Tensor& valid_lens) {
  // [b, q, 1, h] + [b, 1, k, h]: every query against every key.
  const auto features = torch::tanh(W_q(queries).unsqueeze(2) + W_k(keys).unsqueeze(1));
  const auto scores = w_v(features).squeeze(-1);
  attention_weights = masked_softmax(scores, valid_lens);
  return torch::bmm(dropout(attention_weights), values);
}

DotProductAttentionImpl::DotProductAttentionImpl(double p) {
  dropout = register_module("dropout", nn::Dropout(p));
}

torch::Tensor DotProductAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                               const torch::Tensor& values, const torch::Tensor& valid_lens) {
  const auto d = static_cast<double>(queries.size(-1));  // the feature size: fixed by the model, safe to trace
  const auto scores = torch::bmm(queries, keys.transpose(1, 2)) / std::sqrt(d);
  attention_weights = masked_softmax(scores, valid_lens);
  return torch::bmm(dropout(attention_weights), values);
}

}  // namespace d2l::models
