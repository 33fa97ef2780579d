#include "models/rnn_scratch.h"

#include <stdexcept>

namespace d2l::models {

CellKind parse_cell(const std::string& name) {
  if (name == "rnn") return CellKind::rnn;
  if (name == "gru") return CellKind::gru;
  if (name == "lstm") return CellKind::lstm;
  throw std::invalid_argument("cell '" + name + "' is not one of rnn, gru, lstm");
}

RNNCellScratchImpl::RNNCellScratchImpl(const RNNScratchOptions& options) : options(options) {
  switch (options.cell()) {
    case CellKind::rnn:
      h_ = gate("h");
      break;
    case CellKind::gru:
      z_ = gate("z");
      r_ = gate("r");
      h_ = gate("h");
      break;
    case CellKind::lstm:
      i_ = gate("i");
      f_ = gate("f");
      o_ = gate("o");
      c_ = gate("c");
      break;
  }
}

RNNCellScratchImpl::Gate RNNCellScratchImpl::gate(const std::string& name) {
  const int64_t in = options.num_inputs(), hid = options.num_hiddens();
  const double sigma = options.sigma();
  return {register_parameter("W_x" + name, torch::randn({in, hid}) * sigma),
          register_parameter("W_h" + name, torch::randn({hid, hid}) * sigma),
          register_parameter("b_" + name, torch::zeros({hid}))};
}

torch::Tensor RNNCellScratchImpl::forward(const torch::Tensor& inputs, torch::Tensor& H, torch::Tensor& C) {
  std::vector<torch::Tensor> outputs;
  for (const auto& X : inputs.unbind(0)) {
    switch (options.cell()) {
      case CellKind::rnn:  // H = tanh(X W_xh + H W_hh + b_h)
        H = torch::tanh(h_(X, H));
        break;
      case CellKind::gru: {
        const auto Z = torch::sigmoid(z_(X, H));  // update gate
        const auto R = torch::sigmoid(r_(X, H));  // reset gate
        const auto H_tilde = torch::tanh(torch::addmm(h_.b, X, h_.W_x) + torch::mm(R * H, h_.W_h));
        H = Z * H + (1 - Z) * H_tilde;
        break;
      }
      case CellKind::lstm: {
        const auto I = torch::sigmoid(i_(X, H)), F = torch::sigmoid(f_(X, H)), O = torch::sigmoid(o_(X, H));
        const auto C_tilde = torch::tanh(c_(X, H));
        C = F * C + I * C_tilde;
        H = O * torch::tanh(C);
        break;
      }
    }
    outputs.push_back(H);
  }
  return torch::stack(outputs);
}

RNNScratchImpl::RNNScratchImpl(const RNNScratchOptions& options, int64_t num_layers)
    : options(options), num_layers(num_layers), rnns(register_module("rnns", torch::nn::ModuleList())) {
  if (num_layers <= 0) throw std::invalid_argument("RNNScratch: num_layers must be positive");
  for (int64_t i = 0; i < num_layers; ++i) {
    auto layer = RNNScratchOptions(options).num_inputs(i == 0 ? options.num_inputs() : options.num_hiddens());
    rnns->push_back(RNNCellScratch(layer));
  }
}

std::tuple<torch::Tensor, torch::Tensor> RNNScratchImpl::forward(const torch::Tensor& inputs,
                                                                 const torch::Tensor& state) {
  const bool lstm = options.cell() == CellKind::lstm;
  // Zeros shaped from the inputs without reading sizes: stays shape-free under the tracer.
  const auto zeros = [&] { return inputs.select(0, 0).select(1, 0).unsqueeze(1).mul(0).repeat({1, options.num_hiddens()}); };
  std::vector<torch::Tensor> Hs, Cs;
  auto X = inputs;
  for (int64_t i = 0; i < num_layers; ++i) {
    auto H = state.defined() ? state[i] : zeros();
    auto C = lstm ? (state.defined() ? state[num_layers + i] : zeros()) : torch::Tensor();
    X = rnns[i]->as<RNNCellScratch>()->forward(X, H, C);
    Hs.push_back(H);
    if (lstm) Cs.push_back(C);
  }
  Hs.insert(Hs.end(), Cs.begin(), Cs.end());
  return {X, torch::stack(Hs)};
}

}  // namespace d2l::models
