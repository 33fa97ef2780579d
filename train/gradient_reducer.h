// DistributedDataParallel's reducer: the gradients of a module averaged over the ranks while the
// backward pass is still running. Parameters are grouped into buckets in reverse order (the order
// in which backward produces their gradients); a hook on each parameter's gradient accumulator
// copies the gradient into its bucket, and a full bucket is sent (an asynchronous all-reduce) at
// once, so communication overlaps the rest of the backward pass.
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <vector>

#include "train/distributed.h"

namespace torch::autograd {
struct Node;
}

namespace d2l::train {

struct GradientReducerOptions {
  // DDP's bucket_cap_mb (25) and its smaller first bucket (1 MB), which starts sending early.
  TORCH_ARG(int64_t, bucket_bytes) = 25 << 20;
  TORCH_ARG(int64_t, first_bucket_bytes) = 1 << 20;
};

class GradientReducer {
 public:
  // The module's parameters that require gradients, as they are now (after moving it to its device).
  GradientReducer(std::shared_ptr<DistributedGroup> group, torch::nn::Module& module,
                  GradientReducerOptions options = {});
  ~GradientReducer();  // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Call before backward(): the hooks act only between prepare() and finish(), so that other
  // backward passes through the same parameters (another optimizer's loss) send nothing.
  void prepare();
  // Call after backward(): sends the buckets still waiting (those holding a parameter that got no
  // gradient in this step: it keeps none, as with DDP's find_unused_parameters, and the graph is
  // the same on every rank), waits for all, and leaves each gradient the mean over the ranks.
  void finish();

  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Of the last step's buckets, how many were sent while backward was still running.
  int64_t sent_during_backward() const { return sent_during_backward_; }

 private:
  struct Bucket {
    std::vector<size_t> params;    // indices into params_
    std::vector<int64_t> offsets;  // of each in flat
    torch::Tensor flat;
    size_t ready = 0;
    std::function<void()> wait;  // set once sent
  };
  void mark_ready(size_t param);  // the hook
  void send(Bucket& bucket);

  std::shared_ptr<DistributedGroup> group_;
  std::vector<torch::Tensor> params_;
  std::vector<size_t> bucket_of_;
  std::vector<size_t> slot_of_;  // index within its bucket
  std::vector<bool> has_grad_;
  std::vector<Bucket> buckets_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;
  size_t next_to_send_ = 0;  // buckets are sent in order, the same on every rank
  bool armed_ = false;  // between prepare() and finish()
  int64_t sent_during_backward_ = 0;
};

}  // namespace d2l::train
