#include "train/amp.h"

#include <ATen/autocast_mode.h>
#include <ATen/ops/_amp_foreach_non_finite_check_and_unscale.h>
#include <torch/version.h>

#include <stdexcept>

namespace d2l::train {
namespace {

// LibTorch 2.4 replaced the per-device functions with ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(torch::DeviceType type) { return at::autocast::is_autocast_enabled(type); }
void set_autocast_enabled(torch::DeviceType type, bool on) { at::autocast::set_autocast_enabled(type, on); }
at::ScalarType autocast_dtype(torch::DeviceType type) { return at::autocast::get_autocast_dtype(type); }
void set_autocast_dtype(torch::DeviceType type, at::ScalarType dtype) { at::autocast::set_autocast_dtype(type, dtype); }
#else
bool autocast_enabled(torch::DeviceType type) {
  return type == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void set_autocast_enabled(torch::DeviceType type, bool on) {
  if (type == torch::kCUDA)
    at::autocast::set_enabled(on);
  else
    at::autocast::set_cpu_enabled(on);
}
at::ScalarType autocast_dtype(torch::DeviceType type) {
  return type == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_autocast_dtype(torch::DeviceType type, at::ScalarType dtype) {
  if (type == torch::kCUDA)
    at::autocast::set_autocast_gpu_dtype(dtype);
  else
    at::autocast::set_autocast_cpu_dtype(dtype);
}
#endif

}  // namespace

Precision parse_precision(const std::string& name) {
  if (name == "none") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  if (name == "fp16") return Precision::fp16;
  throw std::invalid_argument("--amp: '" + name + "' is not a precision (expected none, bf16 or fp16)");
}

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
    default: return "none";
  }
}

void check_precision(torch::Device device, Precision precision) {
  if (precision == Precision::fp32) return;
  if (precision == Precision::fp16 && device.type() != torch::kCUDA)
    throw std::invalid_argument("--amp fp16 needs a CUDA device (LibTorch autocasts to float16 on GPUs only); "
                                "on the CPU use --amp bf16");
  if (device.type() != torch::kCUDA && device.type() != torch::kCPU)
    throw std::invalid_argument("--amp: no autocast on " + device.str());
}

AutocastGuard::AutocastGuard(torch::Device device, Precision precision) : device_type_(device.type()) {
  if (precision == Precision::fp32) return;
  check_precision(device, precision);
  was_enabled_ = autocast_enabled(device_type_);
  previous_dtype_ = autocast_dtype(device_type_);
  set_autocast_dtype(device_type_, precision == Precision::bf16 ? at::kBFloat16 : at::kHalf);
  set_autocast_enabled(device_type_, true);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // Leaving the outermost region frees the casts of the weights cached for it (as Python does).
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast_enabled(device_type_, was_enabled_);
  set_autocast_dtype(device_type_, previous_dtype_);
}

GradScaler::GradScaler(GradScalerOptions options) : options_(options), scale_(options.init_scale()) {}

bool GradScaler::unscale(torch::nn::Module& module) const {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (auto& p : module.parameters())
    if (p.grad().defined()) grads.push_back(p.mutable_grad());
  if (grads.empty()) return true;
  if (grads.front().is_cuda()) {
    // One fused kernel for all gradients, as torch.amp.GradScaler does: divides them in place and
    // raises found_inf on an inf or NaN. Reading the flag is the step's one wait for the GPU.
    auto found_inf = torch::zeros({1}, grads.front().options().dtype(torch::kFloat));
    const auto inv_scale = torch::full({1}, 1.0 / scale_, found_inf.options());
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
    return found_inf.item<float>() == 0.0f;
  }
  torch::Tensor non_finite;
  for (auto& grad : grads) {
    grad.mul_(1.0 / scale_);
    const auto bad = grad.isfinite().logical_not().any();
    non_finite = non_finite.defined() ? non_finite.logical_or(bad) : bad;
  }
  return !non_finite.defined() || !non_finite.item<bool>();
}

void GradScaler::update(bool finite) {
  if (!finite) {
    scale_ *= options_.backoff_factor();
    growth_tracker_ = 0;
  } else if (++growth_tracker_ == options_.growth_interval()) {
    scale_ *= options_.growth_factor();
    growth_tracker_ = 0;
  }
}

void GradScaler::restore(double scale, int64_t growth_tracker) {
  if (!(scale > 0)) throw std::invalid_argument("gradient scaler: the scale must be positive");
  scale_ = scale;
  growth_tracker_ = growth_tracker;
}

}  // namespace d2l::train
