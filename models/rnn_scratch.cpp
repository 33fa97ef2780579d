#include "models/rnn_scratch.h"

#include <torch/autograd.h>

#include <stdexcept>

namespace d2l::models {
namespace {

// H_t = tanh(XW_t + H_{t-1} W_hh) for every step, with backpropagation through time (d2l 9.7)
// written out. Autograd would differentiate the loop just as well, with one small matrix product
// per step for the W_hh gradient; here, going backwards,
//   dA_t = (dL/dH_t + dA_{t+1} W_hh^T) * (1 - H_t^2),
// and then dW_hh = sum_t H_{t-1}^T dA_t is one large product over all steps; dXW_t = dA_t and
// dH_0 = dA_1 W_hh^T. Same gradients (tests/test_sequence.cpp compares them), a faster step.
struct TanhRecurrence : torch::autograd::Function<TanhRecurrence> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& XW, const torch::Tensor& H0,
                               const torch::Tensor& W_hh) {
    // Each step writes into its slot of the output: no allocation per step.
    auto Hs = torch::empty_like(XW);
    auto H = H0;
    for (int64_t t = 0; t < XW.size(0); ++t) {
      auto H_t = Hs[t];
      torch::addmm_out(H_t, XW[t], H, W_hh).tanh_();
      H = H_t;
    }
    ctx->save_for_backward({Hs, H0, W_hh});
    return Hs;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &Hs = saved[0], &H0 = saved[1], &W_hh = saved[2];
    const auto dHs = grads[0].defined() ? grads[0] : torch::zeros_like(Hs);
    const auto tanh_grad = 1 - Hs * Hs;
    const auto W_hh_T = W_hh.t().contiguous();
    const int64_t T = Hs.size(0);
    auto dA = torch::empty_like(Hs);
    auto dH = torch::zeros_like(H0);  // what reaches H_t through step t + 1
    for (int64_t t = T - 1; t >= 0; --t) {
      auto dA_t = dA[t];
      torch::add_out(dA_t, dHs[t], dH).mul_(tanh_grad[t]);
      dH = dA_t.mm(W_hh_T);
    }
    const auto H_prev = torch::cat({H0.unsqueeze(0), Hs.slice(0, 0, T - 1)});
    const auto dW_hh = H_prev.flatten(0, 1).t().mm(dA.flatten(0, 1));
    return {dA, dH, dW_hh};
  }
};

}  // namespace

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
  // The book's equations, with two liberties for speed that change no result: the input terms
  // X_t W_x* + b_* of all time steps come from one matrix product before the loop, and gates that
  // read the same H share one product per step (their weight matrices side by side).
  const auto input_terms = [&](std::initializer_list<const Gate*> gates) {
    std::vector<torch::Tensor> W, b;
    for (const auto* g : gates) {
      W.push_back(g->W_x);
      b.push_back(g->b);
    }
    return torch::matmul(inputs, torch::cat(W, 1)).add_(torch::cat(b));  // [T, B, gates * H]
  };
  const auto hidden_weights = [](std::initializer_list<const Gate*> gates) {
    std::vector<torch::Tensor> W;
    for (const auto* g : gates) W.push_back(g->W_h);
    return torch::cat(W, 1);
  };
  std::vector<torch::Tensor> outputs;
  switch (options.cell()) {
    case CellKind::rnn: {  // H = tanh(X W_xh + H W_hh + b_h), the loop in TanhRecurrence
      const auto Hs = TanhRecurrence::apply(input_terms({&h_}), H, h_.W_h);
      H = Hs.select(0, -1);
      return Hs;
    }
    case CellKind::gru: {
      const auto XW_zr = input_terms({&z_, &r_}).unbind(0), XW_h = input_terms({&h_}).unbind(0);
      const auto W_h_zr = hidden_weights({&z_, &r_});
      for (size_t t = 0; t < XW_h.size(); ++t) {
        const auto ZR = torch::sigmoid(torch::addmm(XW_zr[t], H, W_h_zr)).chunk(2, 1);
        const auto &Z = ZR[0], &R = ZR[1];                                    // update and reset gates
        const auto H_tilde = torch::tanh(torch::addmm(XW_h[t], R * H, h_.W_h));  // candidate state
        H = Z * H + (1 - Z) * H_tilde;
        outputs.push_back(H);
      }
      break;
    }
    case CellKind::lstm: {
      const auto XW = input_terms({&i_, &f_, &o_, &c_}).unbind(0);
      const auto W_h = hidden_weights({&i_, &f_, &o_, &c_});
      for (const auto& XW_t : XW) {
        const auto gates = torch::addmm(XW_t, H, W_h).chunk(4, 1);
        const auto I = torch::sigmoid(gates[0]), F = torch::sigmoid(gates[1]), O = torch::sigmoid(gates[2]);
        const auto C_tilde = torch::tanh(gates[3]);
        C = F * C + I * C_tilde;
        H = O * torch::tanh(C);
        outputs.push_back(H);
      }
      break;
    }
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
