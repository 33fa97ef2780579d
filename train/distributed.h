// Data-parallel training across processes (the book's multi-GPU chapters, 13.5-13.6, as PyTorch's
// DistributedDataParallel does it) on PyTorch's own c10d: the rendezvous torchrun sets up (a
// TCPStore at MASTER_ADDR:MASTER_PORT), Gloo on the CPU, NCCL on CUDA.
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace d2l::train {

// Where this process stands among the others, as torchrun, SLURM or Kubernetes launchers say.
struct DistributedOptions {
  TORCH_ARG(int64_t, rank) = 0;
  TORCH_ARG(int64_t, world_size) = 1;
  TORCH_ARG(int64_t, local_rank) = 0;        // the process's index on its machine (its GPU)
  TORCH_ARG(int64_t, local_world_size) = 1;  // processes on this machine (they share its cores)
  TORCH_ARG(std::string, master_addr) = "127.0.0.1";
  TORCH_ARG(int64_t, master_port) = 29500;
  // A rendezvous or collective that waits longer fails: a dead rank ends the others in bounded time.
  TORCH_ARG(int64_t, timeout_s) = 600;
};

// The options described by torchrun's variables RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR and MASTER_PORT; nullopt when WORLD_SIZE is unset. A malformed or missing variable
// is an error naming it.
std::optional<DistributedOptions> distributed_from_env();

// Whether this build can train across processes on `device`: c10d's Gloo backend for the CPU
// (configured with libgloo-dev), NCCL for CUDA (-DD2L_WITH_NCCL=ON against a CUDA LibTorch).
bool distributed_supported(torch::Device device);

// This process's membership of the group of training processes. Every rank constructs one (the
// constructor returns when all have joined); collectives then run on all ranks in the same order.
class DistributedGroup {
 public:
  DistributedGroup(const DistributedOptions& options, torch::Device device);
  ~DistributedGroup();
  DistributedGroup(const DistributedGroup&) = delete;
  DistributedGroup& operator=(const DistributedGroup&) = delete;

  int64_t rank() const { return options_.rank(); }
  int64_t world_size() const { return options_.world_size(); }
  bool is_main() const { return rank() == 0; }

  // Rank 0's values, copied in place on every rank (DDP's initial weights and its buffers).
  void broadcast(const std::vector<torch::Tensor>& tensors) const;
  // Sums over the ranks, in place.
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors) const;
  // Starts summing `flat` over the ranks, in place; the returned function waits for the result
  // (and throws, naming what happened, if a rank failed). Gradients: GradientReducer.
  std::function<void()> start_all_reduce_sum(const torch::Tensor& flat) const;
  void barrier() const;

 private:
  struct Impl;
  DistributedOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace d2l::train
