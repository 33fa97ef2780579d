// The RNN language model (d2l 9.5-9.6, 10.1-10.3): one-hot tokens, a recurrent layer (the
// book's from-scratch one or torch::nn's RNN / GRU / LSTM, deep and bidirectional), and a linear
// output layer over the vocabulary.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

#include "models/rnn_scratch.h"

namespace d2l::models {

struct RNNLMOptions {
  explicit RNNLMOptions(int64_t vocab_size) : vocab_size_(vocab_size) {}
  TORCH_ARG(int64_t, vocab_size);
  TORCH_ARG(int64_t, num_hiddens) = 256;
  TORCH_ARG(CellKind, cell) = CellKind::gru;
  TORCH_ARG(int64_t, num_layers) = 1;
  TORCH_ARG(bool, bidirectional) = false;  // torch::nn layers only
  TORCH_ARG(double, dropout) = 0.0;        // between stacked torch::nn layers
  TORCH_ARG(bool, scratch) = false;        // the book's step-by-step layer (RNNScratch)
  TORCH_ARG(double, sigma) = 0.01;         // its initial weights' standard deviation
};

class RNNLMImpl : public torch::nn::Module {
 public:
  explicit RNNLMImpl(const RNNLMOptions& options);

  // X [B, T] token indices, state from the previous call (undefined: zeros) -> logits
  // [B, T, vocab_size] and the new state: [layers * directions, B, hiddens], for LSTM H and C
  // stacked along dimension 0.
  std::tuple<torch::Tensor, torch::Tensor> forward_with_state(const torch::Tensor& X, const torch::Tensor& state);
  // Logits from the zero state: what the trainer's generic code and the TorchScript export call.
  torch::Tensor forward(const torch::Tensor& X);

  RNNLMOptions options;
  // One of these is set, named "rnn" as in the book.
  RNNScratch scratch{nullptr};
  torch::nn::RNN rnn_tanh{nullptr};
  torch::nn::GRU gru{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear linear{nullptr};  // named "linear" (zh / en-0.17 RNNModel)
};
TORCH_MODULE(RNNLM);

// The book's predict_ch8: warm up on `prefix`, then append num_preds tokens, each the most
// likely one after the text so far (greedy).
std::vector<int64_t> predict_tokens(RNNLMImpl& lm, const std::vector<int64_t>& prefix, int64_t num_preds);

}  // namespace d2l::models
