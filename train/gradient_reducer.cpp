#include "train/gradient_reducer.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <stdexcept>

namespace d2l::train {
namespace {

// Runs after a parameter's gradient accumulator has written its .grad.
struct ReadyHook : torch::autograd::FunctionPostHook {
  ReadyHook(std::function<void()> on_ready) : on_ready(std::move(on_ready)) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    on_ready();
    return outputs;
  }
  std::function<void()> on_ready;
};

}  // namespace

GradientReducer::GradientReducer(std::shared_ptr<DistributedGroup> group, torch::nn::Module& module,
                                 GradientReducerOptions options)
    : group_(std::move(group)) {
  for (const auto& p : module.parameters())
    if (p.requires_grad()) params_.push_back(p);
  // Backward produces the last layers' gradients first: fill buckets from the end.
  bucket_of_.resize(params_.size());
  slot_of_.resize(params_.size());
  int64_t bytes = 0;
  for (size_t n = params_.size(); n-- > 0;) {
    const auto& p = params_[n];
    const int64_t cap = buckets_.size() == 1 ? options.first_bucket_bytes() : options.bucket_bytes();
    const bool fits = !buckets_.empty() && buckets_.back().flat.scalar_type() == p.scalar_type() &&
                      buckets_.back().flat.device() == p.device() && bytes + static_cast<int64_t>(p.nbytes()) <= cap;
    if (!fits) {
      buckets_.emplace_back();
      buckets_.back().flat = torch::empty({0}, p.options().requires_grad(false));
      bytes = 0;
    }
    auto& bucket = buckets_.back();
    bucket_of_[n] = buckets_.size() - 1;
    slot_of_[n] = bucket.params.size();
    bucket.offsets.push_back(bytes / static_cast<int64_t>(p.element_size()));
    bucket.params.push_back(n);
    bytes += static_cast<int64_t>(p.nbytes());
  }
  for (auto& bucket : buckets_) {
    int64_t numel = 0;
    for (auto n : bucket.params) numel += params_[n].numel();
    bucket.flat = torch::zeros({numel}, bucket.flat.options());
  }
  has_grad_.assign(params_.size(), false);
  for (size_t n = 0; n < params_.size(); ++n) {
    auto accumulator = torch::autograd::impl::grad_accumulator(params_[n]);
    hook_keys_.push_back(accumulator->add_post_hook(std::make_unique<ReadyHook>([this, n] { mark_ready(n); })));
    accumulators_.push_back(std::move(accumulator));
  }
}

GradientReducer::~GradientReducer() {
  for (size_t n = 0; n < accumulators_.size(); ++n) accumulators_[n]->del_post_hook(hook_keys_[n]);
}

void GradientReducer::prepare() {
  armed_ = true;
  sent_during_backward_ = 0;
}

void GradientReducer::mark_ready(size_t n) {
  if (!armed_ || has_grad_[n]) return;
  auto& bucket = buckets_[bucket_of_[n]];
  const auto& p = params_[n];
  const auto offset = bucket.offsets[slot_of_[n]];
  torch::NoGradGuard no_grad;
  bucket.flat.slice(0, offset, offset + p.numel()).view(p.sizes()).copy_(p.grad());
  has_grad_[n] = true;
  ++bucket.ready;
  while (next_to_send_ < buckets_.size() && buckets_[next_to_send_].ready == buckets_[next_to_send_].params.size()) {
    send(buckets_[next_to_send_++]);
    ++sent_during_backward_;  // the hooks run only during backward
  }
}

void GradientReducer::send(Bucket& bucket) { bucket.wait = group_->start_all_reduce_sum(bucket.flat); }

void GradientReducer::finish() {
  if (!armed_) return;
  torch::NoGradGuard no_grad;
  for (size_t n = 0; n < params_.size(); ++n)
    if (!has_grad_[n] && params_[n].grad().defined())
      throw std::logic_error("GradientReducer: a gradient arrived without its hook; make the reducer after anything "
                             "that replaces parameters (loading a checkpoint, moving the module)");
  // Parameters without a gradient contribute zeros to their bucket and keep none.
  for (; next_to_send_ < buckets_.size(); ++next_to_send_) {
    auto& bucket = buckets_[next_to_send_];
    for (size_t slot = 0; slot < bucket.params.size(); ++slot) {
      const auto n = bucket.params[slot];
      if (!has_grad_[n]) bucket.flat.slice(0, bucket.offsets[slot], bucket.offsets[slot] + params_[n].numel()).zero_();
    }
    send(bucket);
  }
  const double world = static_cast<double>(group_->world_size());
  for (auto& bucket : buckets_) {
    bucket.wait();
    bucket.wait = nullptr;
    bucket.flat.div_(world);
    for (size_t slot = 0; slot < bucket.params.size(); ++slot) {
      const auto n = bucket.params[slot];
      if (!has_grad_[n]) continue;
      auto& p = params_[n];
      p.mutable_grad().copy_(bucket.flat.slice(0, bucket.offsets[slot], bucket.offsets[slot] + p.numel()).view(p.sizes()));
    }
    bucket.ready = 0;
  }
  has_grad_.assign(params_.size(), false);
  next_to_send_ = 0;
  armed_ = false;
}

}  // namespace d2l::train
