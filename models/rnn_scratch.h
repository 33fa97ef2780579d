// Recurrent layers written out one time step at a time, as the book builds them (d2l 9.5 RNN,
// 10.1 LSTM, 10.2 GRU, 10.3 stacked RNN): parameters drawn from N(0, sigma^2), biases zero.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <string>

namespace d2l::models {

enum class CellKind { rnn, gru, lstm };
CellKind parse_cell(const std::string& name);  // "rnn" | "gru" | "lstm"

struct RNNScratchOptions {
  RNNScratchOptions(int64_t num_inputs, int64_t num_hiddens) : num_inputs_(num_inputs), num_hiddens_(num_hiddens) {}
  TORCH_ARG(int64_t, num_inputs);
  TORCH_ARG(int64_t, num_hiddens);
  TORCH_ARG(CellKind, cell) = CellKind::rnn;
  TORCH_ARG(double, sigma) = 0.01;
};

// One recurrent layer with the book's parameter names: W_xh, W_hh, b_h (RNN); W_xz, W_hz, b_z,
// W_xr, W_hr, b_r, W_xh, W_hh, b_h (GRU); W_xi ... b_o, W_xc, W_hc, b_c (LSTM).
class RNNCellScratchImpl : public torch::nn::Module {
 public:
  explicit RNNCellScratchImpl(const RNNScratchOptions& options);
  // inputs [T, B, num_inputs]; H, C [B, num_hiddens] (C only for LSTM) -> outputs [T, B, num_hiddens]
  // and the last H (and C), updated in place of the arguments.
  torch::Tensor forward(const torch::Tensor& inputs, torch::Tensor& H, torch::Tensor& C);

  RNNScratchOptions options;

 private:
  // (W_x*, W_h*, b_*) of one gate, registered under the book's names.
  struct Gate {
    torch::Tensor W_x, W_h, b;
  };
  Gate gate(const std::string& name);
  Gate z_, r_, h_, i_, f_, o_, c_;
};
TORCH_MODULE(RNNCellScratch);

// num_layers cells, each feeding the next (StackedRNNScratch), children named rnns.0, rnns.1, ...
// The state is one tensor [num_layers, B, H]; for LSTM [2 * num_layers, B, H]: all H, then all C
// (the same layout as the torch::nn layers' state in RNNLM).
class RNNScratchImpl : public torch::nn::Module {
 public:
  RNNScratchImpl(const RNNScratchOptions& options, int64_t num_layers = 1);
  // inputs [T, B, num_inputs], state (undefined: zeros) -> outputs [T, B, num_hiddens], new state.
  std::tuple<torch::Tensor, torch::Tensor> forward(const torch::Tensor& inputs, const torch::Tensor& state = {});

  RNNScratchOptions options;
  int64_t num_layers;
  torch::nn::ModuleList rnns;
};
TORCH_MODULE(RNNScratch);

}  // namespace d2l::models
