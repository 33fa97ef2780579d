#include "train/distributed.h"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>

// Gloo serves the CPU, NCCL CUDA devices; a build may have either or both.
#if defined(D2L_HAVE_GLOO) || defined(D2L_HAVE_NCCL)
#define D2L_HAVE_C10D 1
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef D2L_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef D2L_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace d2l::train {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

int64_t env_int(const char* name, int64_t fallback, int64_t min_value) {
  const auto text = env(name);
  if (!text) return fallback;
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || value < min_value)
    throw std::invalid_argument(std::string(name) + "=" + *text + ": expected a whole number >= " +
                                std::to_string(min_value));
  return value;
}

}  // namespace

std::optional<DistributedOptions> distributed_from_env() {
  if (!env("WORLD_SIZE")) return std::nullopt;
  const auto world = env_int("WORLD_SIZE", 1, 1);
  if (!env("RANK")) throw std::invalid_argument("WORLD_SIZE is set but RANK is not: start the ranks with torchrun or d2l launch");
  const auto rank = env_int("RANK", 0, 0);
  if (rank >= world)
    throw std::invalid_argument("RANK=" + std::to_string(rank) + " is not below WORLD_SIZE=" + std::to_string(world));
  const auto port = env_int("MASTER_PORT", 29500, 1);
  if (port > 65535) throw std::invalid_argument("MASTER_PORT=" + std::to_string(port) + ": expected a port, 1..65535");
  return DistributedOptions()
      .rank(rank)
      .world_size(world)
      .local_rank(env_int("LOCAL_RANK", rank, 0))
      .local_world_size(env_int("LOCAL_WORLD_SIZE", world, 1))
      .master_addr(env("MASTER_ADDR").value_or("127.0.0.1"))
      .master_port(port);
}

bool distributed_supported(torch::Device device) {
#ifdef D2L_HAVE_NCCL
  if (device.is_cuda()) return true;
#endif
#ifdef D2L_HAVE_GLOO
  if (device.is_cpu()) return true;
#endif
  (void)device;
  return false;
}

namespace {

// Why this build cannot train across processes on `device`.
std::string unsupported(torch::Device device) {
  if (device.is_cuda())
    return "this d2l was built without c10d's NCCL backend, so it cannot train across processes on CUDA; configure "
           "it with -DD2L_WITH_NCCL=ON against a CUDA LibTorch";
  return "this d2l was built without c10d's Gloo backend, so it cannot train across processes on the CPU; install "
         "libgloo-dev and build again";
}

}  // namespace

#ifndef D2L_HAVE_C10D

struct DistributedGroup::Impl {};

DistributedGroup::DistributedGroup(const DistributedOptions& options, torch::Device device) : options_(options) {
  throw std::runtime_error(unsupported(device));
}
DistributedGroup::~DistributedGroup() = default;
void DistributedGroup::broadcast(const std::vector<torch::Tensor>&) const {}
void DistributedGroup::all_reduce_sum(const std::vector<torch::Tensor>&) const {}
std::function<void()> DistributedGroup::start_all_reduce_sum(const torch::Tensor&) const { return [] {}; }
void DistributedGroup::barrier() const {}

#else

struct DistributedGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
#ifdef D2L_HAVE_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef D2L_HAVE_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  int64_t rank = 0;

  template <typename F>
  c10::intrusive_ptr<c10d::Work> start(F&& collective) const {
#ifdef D2L_HAVE_NCCL
    if (nccl) return collective(*nccl);
#endif
#ifdef D2L_HAVE_GLOO
    if (gloo) return collective(*gloo);
#endif
    throw std::logic_error("distributed group without a process group");
  }

  // Waits for the collective; a failure (a rank that died, a timeout) names what happened here.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) const {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error("rank " + std::to_string(rank) + ": " + what +
                               " with the other ranks failed (a rank stopped, or did not answer in time): " + e.what());
    }
  }

  // Runs `collective` on the tensors flattened into buckets (one dtype and device each, at most
  // `bucket_bytes`), then `after` on each result, and copies the results back into the tensors.
  void bucketed(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes, const char* what,
                const std::function<c10::intrusive_ptr<c10d::Work>(std::vector<torch::Tensor>&)>& collective,
                const std::function<void(torch::Tensor&)>& after = {}) const {
    std::vector<std::vector<torch::Tensor>> buckets;
    int64_t bytes = 0;
    for (const auto& t : tensors) {
      const bool fits = !buckets.empty() && buckets.back().front().scalar_type() == t.scalar_type() &&
                        buckets.back().front().device() == t.device() &&
                        bytes + static_cast<int64_t>(t.nbytes()) <= bucket_bytes;
      if (!fits) {
        buckets.emplace_back();
        bytes = 0;
      }
      buckets.back().push_back(t);
      bytes += static_cast<int64_t>(t.nbytes());
    }
    std::vector<std::vector<torch::Tensor>> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& bucket : buckets) {
      std::vector<torch::Tensor> pieces;
      for (const auto& t : bucket) pieces.push_back(t.detach().reshape({-1}));
      flats.push_back({torch::cat(pieces)});
      works.push_back(collective(flats.back()));
    }
    for (size_t b = 0; b < buckets.size(); ++b) {
      wait(works[b], what);
      auto& flat = flats[b][0];
      if (after) after(flat);
      int64_t offset = 0;
      for (const auto& t : buckets[b]) {
        torch::NoGradGuard no_grad;
        t.copy_(flat.slice(0, offset, offset + t.numel()).view(t.sizes()));
        offset += t.numel();
      }
    }
  }
};

DistributedGroup::DistributedGroup(const DistributedOptions& options, torch::Device device)
    : options_(options), impl_(std::make_unique<Impl>()) {
  if (!distributed_supported(device)) throw std::runtime_error(unsupported(device));
  const std::chrono::milliseconds timeout(options.timeout_s() * 1000);
  impl_->rank = options.rank();
  const auto where = options.master_addr() + ":" + std::to_string(options.master_port());
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port());
    store_options.isServer = options.rank() == 0;
    store_options.numWorkers = static_cast<size_t>(options.world_size());
    store_options.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr(), store_options);
  } catch (const std::exception& e) {
    throw std::runtime_error("rank " + std::to_string(options.rank()) + ": the rendezvous at " + where +
                             " (MASTER_ADDR:MASTER_PORT) failed: " + e.what());
  }
  try {
#ifdef D2L_HAVE_NCCL
    if (device.is_cuda()) {
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = timeout;
      impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, static_cast<int>(options.rank()),
                                                               static_cast<int>(options.world_size()), nccl_options);
      return;
    }
#endif
#ifdef D2L_HAVE_GLOO
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
    // GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch; a loopback master means one machine.
    const auto address = options.master_addr();
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    else if (address == "127.0.0.1" || address == "localhost")
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    gloo_options->threads = 2;
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, static_cast<int>(options.rank()),
                                                             static_cast<int>(options.world_size()), gloo_options);
#endif
  } catch (const std::exception& e) {
    throw std::runtime_error("rank " + std::to_string(options.rank()) + ": joining the " +
                             std::to_string(options.world_size()) + " ranks through " + where + " failed: " + e.what());
  }
}

DistributedGroup::~DistributedGroup() = default;

void DistributedGroup::broadcast(const std::vector<torch::Tensor>& tensors) const {
  impl_->bucketed(tensors, 25 << 20, "broadcasting rank 0's tensors", [&](std::vector<torch::Tensor>& flat) {
    return impl_->start([&](auto& group) { return group.broadcast(flat, c10d::BroadcastOptions{}); });
  });
}

void DistributedGroup::all_reduce_sum(const std::vector<torch::Tensor>& tensors) const {
  impl_->bucketed(tensors, 25 << 20, "summing", [&](std::vector<torch::Tensor>& flat) {
    return impl_->start([&](auto& group) { return group.allreduce(flat, c10d::AllreduceOptions{}); });
  });
}

std::function<void()> DistributedGroup::start_all_reduce_sum(const torch::Tensor& flat) const {
  std::vector<torch::Tensor> tensors{flat};
  auto work = impl_->start([&](auto& group) { return group.allreduce(tensors, c10d::AllreduceOptions{}); });
  return [impl = impl_.get(), work] { impl->wait(work, "averaging gradients"); };
}

void DistributedGroup::barrier() const {
  impl_->wait(impl_->start([](auto& group) { return group.barrier(c10d::BarrierOptions{}); }), "waiting");
}

#endif

}  // namespace d2l::train
