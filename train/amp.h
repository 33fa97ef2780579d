// Mixed precision (torch.autocast and torch.cuda.amp.GradScaler, which LibTorch has no C++ class
// for): the forward pass runs its matrix products and convolutions in bfloat16 or float16 while
// the weights stay float32, and float16's small range is protected by scaling the loss.
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>

namespace d2l::train {

enum class Precision { fp32, bf16, fp16 };

// "none" | "bf16" | "fp16"; throws naming the flag otherwise.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision precision);

// Throws, saying what to use instead, where LibTorch cannot autocast: float16 off CUDA.
void check_precision(torch::Device device, Precision precision);

// Autocast on `device`'s type at `precision` while alive (nothing at fp32), as `with
// torch.autocast(device_type, dtype)`. Throws where LibTorch cannot: float16 on the CPU.
class AutocastGuard {
 public:
  AutocastGuard(torch::Device device, Precision precision);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  torch::DeviceType device_type_;
  bool active_ = false;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

// PyTorch's GradScaler: the loss is multiplied by `scale` before backward so that small float16
// gradients do not flush to zero; unscale() divides them back before clipping and the step. A
// step whose gradients hold an inf or NaN is skipped and the scale halves; after
// `growth_interval` good steps in a row it doubles.
struct GradScalerOptions {
  TORCH_ARG(double, init_scale) = 65536.0;
  TORCH_ARG(double, growth_factor) = 2.0;
  TORCH_ARG(double, backoff_factor) = 0.5;
  TORCH_ARG(int64_t, growth_interval) = 2000;
};

class GradScaler {
 public:
  explicit GradScaler(GradScalerOptions options = {});

  torch::Tensor scale(const torch::Tensor& loss) const { return loss * scale_; }
  // Divides the gradients of `module` by the scale, in place; returns whether all are finite
  // (one host synchronisation, as PyTorch's step() does).
  bool unscale(torch::nn::Module& module) const;
  // After the step (or its skipping): the new scale.
  void update(bool finite);

  double current_scale() const { return scale_; }
  int64_t growth_tracker() const { return growth_tracker_; }
  // Restores a checkpoint's state.
  void restore(double scale, int64_t growth_tracker);

 private:
  GradScalerOptions options_;
  double scale_;
  int64_t growth_tracker_ = 0;
};

}  // namespace d2l::train
