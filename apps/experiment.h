// From a RunConfig to the objects of a run: data, model, task, device, trainer options.
#pragma once
#include <torch/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "apps/registry.h"
#include "apps/run_config.h"
#include "models/seq2seq.h"
#include "train/task.h"
#include "train/trainer.h"

namespace d2l::apps {

struct Experiment {
  RunConfig config;  // with the model's defaults filled in
  const ModelSpec* spec = nullptr;
  data::DataModule data;
  torch::nn::AnyModule model;
  std::unique_ptr<train::Task> task;
  torch::Device device = torch::kCPU;
  std::map<std::string, double> final_metrics;  // the last epoch's, for a model loaded from a checkpoint
};

// Fills unset values from the model's defaults (the book's settings) and validates.
RunConfig resolve(RunConfig config);

// The translation model inside a registry entry (the RNN encoder-decoder or the Transformer);
// throws when the model is not one.
std::shared_ptr<models::EncoderDecoderImpl> encoder_decoder(const torch::nn::AnyModule& model);

// "auto" (CUDA when available), "cpu", "cuda", "cuda:N"; asking for CUDA without it is an error.
torch::Device parse_device(const std::string& name);

// Sets the thread count, seeds, loads the data and builds the initialised model and its task,
// with the fine-tuning settings; with load_weights, also loads --weights.
Experiment build_experiment(const RunConfig& config, bool load_weights = true);

// The shape of one example as a model sees it (after resizing), e.g. {1, 28, 28}.
std::vector<int64_t> example_shape(const data::DataModule& data);

train::TrainerOptions trainer_options(const Experiment& experiment, const std::filesystem::path& run_dir);

struct TrainingRun {
  std::filesystem::path run_dir;
  train::FitResult result;
  torch::nn::AnyModule model;  // trained
  bool main_process = true;    // rank 0 of a data-parallel run (or a single process): it wrote the run
};

// Data-parallel training across the processes that torchrun (or d2l launch) started: on whenever
// WORLD_SIZE is set; `required` (--distributed) makes its absence an error.
struct DistributedRequest {
  bool required = false;
  int64_t timeout_s = 600;
};

// Trains `config` (or resumes from `resume`, a run directory or checkpoint) and writes the run
// (rank 0 only, in data-parallel training).
TrainingRun run_training(RunConfig config, const std::optional<std::filesystem::path>& resume = std::nullopt,
                         const DistributedRequest& distributed = {});

// The experiment a checkpoint (or run directory) was trained in, with the trained weights. The
// config comes from the checkpoint; `adjust` may change it (data folder, device, limits) first.
Experiment load_trained(const std::filesystem::path& run_or_checkpoint,
                        const std::function<void(RunConfig&)>& adjust = {});

// runs/x -> runs/x/checkpoints/last.pt; a file path is returned as is.
std::filesystem::path checkpoint_path(const std::filesystem::path& run_or_checkpoint);

}  // namespace d2l::apps
