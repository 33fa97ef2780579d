// The one training loop (the book's d2l.Trainer): device placement, epochs, learning-rate
// schedule, gradient clipping, evaluation, checkpoints and the run directory. It never names a
// model family: what a step means is the Task's business.
#pragma once
#include <torch/arg.h>
#include <torch/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "data/data_module.h"
#include "train/amp.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/progress.h"
#include "train/schedule.h"
#include "train/task.h"

namespace d2l::train {

class DistributedGroup;

using RunInfo = std::map<std::string, std::string>;

struct TrainerOptions {
  TORCH_ARG(int64_t, max_epochs) = 10;
  TORCH_ARG(int64_t, batch_size) = 256;
  TORCH_ARG(bool, drop_last) = false;  // of the training batches
  TORCH_ARG(OptimizerConfig, optimizer) = {};
  TORCH_ARG(ScheduleConfig, schedule) = {};
  TORCH_ARG(double, gradient_clip_val) = 0.0;  // 0: no clipping; else the largest global L2 norm
  TORCH_ARG(uint64_t, seed) = 0;               // data order
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  // Keep 4-D weights and image batches in NHWC order (channels last), which oneDNN's and
  // cuDNN's convolutions often run faster.
  TORCH_ARG(bool, channels_last) = false;
  // Mixed precision of the training steps' forward passes (--amp): bf16, or fp16 (CUDA) with a
  // gradient scaler whose state the checkpoints keep. Evaluation stays in float32.
  TORCH_ARG(Precision, precision) = Precision::fp32;
  // Where config.toml, metrics.csv, summary.json, curves.png and checkpoints/ go; empty: nowhere.
  TORCH_ARG(std::filesystem::path, run_dir) = {};
  TORCH_ARG(std::string, config) = "";  // the effective config (TOML)
  TORCH_ARG(RunInfo, run_info) = {};    // extra summary.json fields (model, data, ...)
  TORCH_ARG(bool, quiet) = false;
  // Epochs between epoch lines, checkpoints and run-folder writes; the last epoch always reports.
  // metrics.csv still has a row per epoch.
  TORCH_ARG(int64_t, report_every) = 1;
  // Data-parallel training (DDP's semantics): rank 0's initial weights everywhere, a shard of each
  // epoch per rank, gradients averaged over the ranks before each step, rank 0's buffers (batch-norm
  // statistics) at the start of each step, training metrics over all ranks. Only the caller decides
  // who writes: give the other ranks no run_dir.
  TORCH_ARG(std::shared_ptr<DistributedGroup>, distributed) = nullptr;
};

struct FitResult {
  History history;
  double examples_per_sec = 0;  // training steps only, as the book measures
  double tokens_per_sec = 0;    // text tasks: the tokens their steps report (the book's tokens/sec)
  double train_seconds = 0;
};

class Trainer {
 public:
  explicit Trainer(TrainerOptions options);

  // Trains from scratch, or from `resume` (a checkpoint written by an earlier fit).
  FitResult fit(Task& task, const data::DataModule& data,
                const std::optional<std::filesystem::path>& resume = std::nullopt);

  // Validation metrics of `task` over every batch of `loader`, in eval mode without gradients.
  static std::map<std::string, double> evaluate(Task& task, const data::DataLoader& loader, torch::Device device,
                                                bool channels_last = false);

  // Rescales all gradients so that their global L2 norm is at most max_norm (d2l 9.5.3).
  static void clip_gradients(torch::nn::Module& model, double max_norm);

 private:
  struct Optimizers;  // one per part of the model that learns with its own (one for most tasks)
  struct Epoch;       // one epoch's progress: its batches, metric sums, stop
  // The epoch's batches from epoch.first_batch on (the book's fit_epoch); stops early, after a
  // step, when a stop signal came.
  void fit_epoch(Task& task, Optimizers& optimizers, data::DataLoader& loader, Epoch& epoch, TrainingState& state,
                 Progress& progress) const;
  // Whether a stop signal came (to any rank, in data-parallel training, where the ranks only
  // agree when `vote` is true: the same steps on every rank).
  bool stop_requested(bool vote = true) const;
  // Writes the checkpoint of a stopped run (when it writes at all) and throws Interrupted.
  [[noreturn]] void stop(Task& task, Optimizers& optimizers, const TrainingState& state, int64_t batches) const;
  // NaN or infinite metrics stop the run with a message naming the last good checkpoint.
  void check_finite(const std::map<std::string, double>& row, int64_t epoch, bool has_checkpoint) const;
  // A failed allocation (host or GPU) stops the run with advice and the checkpoint it keeps;
  // returns for any other error.
  void check_out_of_memory(const std::exception& error, int64_t epoch, bool has_checkpoint) const;
  void prepare_run_dir() const;
  void write_outputs(const TrainingState& state, const FitResult& result, double wall_seconds) const;
  TrainerOptions options_;
};

// The book's closing line: "loss 0.469, train acc 0.823, test acc 0.779".
std::string format_metrics(const std::map<std::string, double>& metrics);

}  // namespace d2l::train
