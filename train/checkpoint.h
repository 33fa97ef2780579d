// Checkpoints: model, optimizer, progress, metric history, RNG state and the run's config, in
// one LibTorch archive, written atomically. Resuming from one continues a run bit for bit.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "train/metrics.h"

namespace d2l::train {

struct TrainingState {
  int64_t epoch = 0;                                       // epochs completed
  int64_t step = 0;                                        // optimisation steps completed
  // A run stopped mid-epoch (SIGINT, SIGTERM): the batches of epoch `epoch` done, with the batch
  // size that counts them, and the metric sums so far (divided by the number of ranks).
  int64_t batch = 0;
  int64_t batch_size = 0;
  MetricAccumulator::Totals partial_metrics;
  double best = std::numeric_limits<double>::quiet_NaN();  // best value of the monitored metric
  // Mixed precision with float16 (--amp fp16): the gradient scaler's scale (0: none) and its
  // count of good steps since the scale last changed.
  double grad_scale = 0;
  int64_t grad_scale_growth = 0;
  History history;
  std::string config;  // the run's effective config.toml
};

// `optimizers`: one, or one per part of a model that learns with several (a GAN's two).
void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                     const std::vector<const torch::optim::Optimizer*>& optimizers, const TrainingState& state);
inline void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                            const torch::optim::Optimizer& optimizer, const TrainingState& state) {
  save_checkpoint(file, model, std::vector<const torch::optim::Optimizer*>{&optimizer}, state);
}

// Loads weights into `model`. With optimizers (resuming), also restores their state and the
// global random number generator. Throws std::runtime_error naming the file on any problem.
TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                              const std::vector<torch::optim::Optimizer*>& optimizers);
inline TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                                     torch::optim::Optimizer* optimizer = nullptr) {
  return load_checkpoint(file, model, optimizer ? std::vector<torch::optim::Optimizer*>{optimizer}
                                                : std::vector<torch::optim::Optimizer*>{});
}

// Just the config stored in a checkpoint (to rebuild its model before loading the weights).
std::string read_checkpoint_config(const std::filesystem::path& file);

}  // namespace d2l::train
