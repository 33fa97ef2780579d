// What one training step means for a family of models (the book's training_step /
// validation_step). The Trainer runs the loop; a Task owns the model, its loss and its metrics.
#pragma once
#include <torch/nn/module.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "data/loader.h"
#include "train/metrics.h"

namespace d2l::train {

struct StepOutput {
  torch::Tensor loss;           // what backward() is called on
  std::vector<Metric> metrics;  // train_* metrics of this batch
  torch::Tensor tokens = {};    // text tasks: tokens processed (a scalar, may stay on the device), for tokens/s
};

class Task {
 public:
  virtual ~Task() = default;
  virtual torch::nn::Module& model() = 0;
  virtual StepOutput training_step(const data::Batch& batch) = 0;
  virtual std::vector<Metric> validation_step(const data::Batch& batch) = 0;
  // Called before each training epoch (a language model forgets its carried hidden state).
  virtual void on_train_epoch_start() {}
  // Called before each pass over the validation data (MAE draws the same masks every time).
  virtual void on_validation_start() {}
  // Metrics computed from the epoch's means, e.g. perplexity = exp(mean loss).
  virtual void derive_metrics(std::map<std::string, double>& /*means*/) const {}
  // The validation metric that picks checkpoints/best.pt, and its direction (empty: no best.pt).
  virtual std::string monitor() const = 0;
  virtual bool higher_is_better() const = 0;
  // Pictures of the training's progress (a GAN's samples), written with the run's other outputs
  // after reported epochs (1-based).
  virtual void save_pictures(const std::filesystem::path& /*run_dir*/, int64_t /*epoch*/) {}
};

// One optimizer of a task that learns with several: the module it updates and its learning
// rate relative to the run's.
struct OptimizedPart {
  std::string name;  // e.g. "discriminator"
  torch::nn::Module* module;
  double lr_scale = 1.0;
};

// A task whose model learns with several optimizers in turn (a GAN: the discriminator's, then
// the generator's, as the book's update_D and update_G). For each batch the trainer calls
// training_step(batch, i) for each part i in order, back-propagates that loss and steps
// optimizer i alone; the loop itself stays the one loop.
class MultiOptimizerTask : public Task {
 public:
  virtual std::vector<OptimizedPart> optimized_parts() = 0;
  virtual StepOutput training_step(const data::Batch& batch, size_t part) = 0;
  StepOutput training_step(const data::Batch& batch) final { return training_step(batch, 0); }
};

}  // namespace d2l::train
