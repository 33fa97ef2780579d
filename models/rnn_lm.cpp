#include "models/rnn_lm.h"

#include <torch/nn/functional/embedding.h>

#include <stdexcept>

namespace d2l::models {

RNNLMImpl::RNNLMImpl(const RNNLMOptions& options) : options(options) {
  const int64_t V = options.vocab_size(), H = options.num_hiddens(), L = options.num_layers();
  if (V <= 0 || H <= 0 || L <= 0) throw std::invalid_argument("RNNLM: vocab_size, num_hiddens and num_layers must be positive");
  if (options.scratch()) {
    if (options.bidirectional()) throw std::invalid_argument("RNNLM: the from-scratch layer is not bidirectional");
    scratch = register_module("rnn", RNNScratch(RNNScratchOptions(V, H).cell(options.cell()).sigma(options.sigma()), L));
  } else {
    const double dropout = L > 1 ? options.dropout() : 0.0;
    switch (options.cell()) {
      case CellKind::rnn:
        rnn_tanh = register_module(
            "rnn", torch::nn::RNN(torch::nn::RNNOptions(V, H).num_layers(L).bidirectional(options.bidirectional()).dropout(dropout)));
        break;
      case CellKind::gru:
        gru = register_module(
            "rnn", torch::nn::GRU(torch::nn::GRUOptions(V, H).num_layers(L).bidirectional(options.bidirectional()).dropout(dropout)));
        break;
      case CellKind::lstm:
        lstm = register_module(
            "rnn", torch::nn::LSTM(torch::nn::LSTMOptions(V, H).num_layers(L).bidirectional(options.bidirectional()).dropout(dropout)));
        break;
    }
  }
  linear = register_module("linear", torch::nn::Linear(H * (options.bidirectional() ? 2 : 1), V));
}

std::tuple<torch::Tensor, torch::Tensor> RNNLMImpl::forward_with_state(const torch::Tensor& X, const torch::Tensor& state) {
  // One-hot inputs [T, B, V] (time first, as the book's F.one_hot(X.T, ...)).
  const auto inputs = torch::nn::functional::one_hot(X.t(), options.vocab_size()).to(torch::kFloat32);
  const int64_t layers = options.num_layers() * (options.bidirectional() ? 2 : 1);
  // The zero state shaped without reading sizes into integers, so that exports are shape-free.
  auto H0 = state;
  if (!H0.defined() && !scratch)
    H0 = inputs.select(0, 0).select(1, 0).reshape({1, -1, 1}).mul(0).repeat(
        {layers * (lstm ? 2 : 1), 1, options.num_hiddens()});
  torch::Tensor outputs, new_state;
  if (scratch) {
    std::tie(outputs, new_state) = scratch->forward(inputs, state);
  } else if (gru) {
    std::tie(outputs, new_state) = gru->forward(inputs, H0);
  } else if (rnn_tanh) {
    std::tie(outputs, new_state) = rnn_tanh->forward(inputs, H0);
  } else {
    const auto hc = H0.chunk(2, 0);  // H, then C
    auto [out, new_hc] = lstm->forward(inputs, std::make_tuple(hc[0], hc[1]));
    outputs = out;
    new_state = torch::cat({std::get<0>(new_hc), std::get<1>(new_hc)});
  }
  return {linear(outputs).transpose(0, 1), new_state};  // [B, T, V]
}

torch::Tensor RNNLMImpl::forward(const torch::Tensor& X) { return std::get<0>(forward_with_state(X, {})); }

std::vector<int64_t> predict_tokens(RNNLMImpl& lm, const std::vector<int64_t>& prefix, int64_t num_preds) {
  if (prefix.empty()) throw std::invalid_argument("predict: the prefix must have at least one token");
  torch::NoGradGuard no_grad;
  const auto device = lm.linear->weight.device();
  auto tokens = prefix;
  // The prefix but its last token only updates the state (warm-up); its last token starts the
  // predictions.
  torch::Tensor state;
  if (prefix.size() > 1) {
    const auto warm = torch::tensor(std::vector<int64_t>(prefix.begin(), prefix.end() - 1), torch::kInt64).view({1, -1});
    state = std::get<1>(lm.forward_with_state(warm.to(device), {}));
  }
  auto last = torch::full({1, 1}, prefix.back(), torch::TensorOptions(torch::kInt64).device(device));
  for (int64_t i = 0; i < num_preds; ++i) {
    auto [logits, next_state] = lm.forward_with_state(last, state);
    state = next_state;
    last = logits.argmax(-1);
    tokens.push_back(last.item<int64_t>());
  }
  return tokens;
}

}  // namespace d2l::models
