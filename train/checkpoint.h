// Checkpoints: model, optimizer, progress, metric history, RNG state and the run's config, in
// one LibTorch archive, written atomically. Resuming from one continues a run bit for bit.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <limits>
#include <string>

#include "train/metrics.h"

namespace d2l::train {

struct TrainingState {
  int64_t epoch = 0;                                       // epochs completed
  int64_t step = 0;                                        // optimisation steps completed
  double best = std::numeric_limits<double>::quiet_NaN();  // best value of the monitored metric
  History history;
  std::string config;  // the run's effective config.toml
};

void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainingState& state);

// Loads weights into `model`. With an optimizer (resuming), also restores its state and the
// global random number generator. Throws std::runtime_error naming the file on any problem.
TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                              torch::optim::Optimizer* optimizer = nullptr);

// Just the config stored in a checkpoint (to rebuild its model before loading the weights).
std::string read_checkpoint_config(const std::filesystem::path& file);

}  // namespace d2l::train
