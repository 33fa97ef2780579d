// What one training step means for a family of models (the book's training_step /
// validation_step). The Trainer runs the loop; a Task owns the model, its loss and its metrics.
#pragma once
#include <torch/nn/module.h>

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
  // The validation metric that picks checkpoints/best.pt, and its direction.
  virtual std::string monitor() const = 0;
  virtual bool higher_is_better() const = 0;
};

}  // namespace d2l::train
