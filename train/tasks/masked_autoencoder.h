// Masked-autoencoder pre-training (He et al. 2021): the loss is the model's own reconstruction
// error on the masked patches; labels are ignored. Validation draws the same masks every time
// (a seeded generator), so that its loss compares across epochs.
#pragma once
#include <ATen/core/Generator.h>

#include "models/mae.h"
#include "train/task.h"

namespace d2l::train {

class MaskedAutoencoderTask : public Task {
 public:
  explicit MaskedAutoencoderTask(models::MAE mae, uint64_t validation_seed = 0)
      : mae_(std::move(mae)), validation_seed_(validation_seed) {}
  torch::nn::Module& model() override { return *mae_; }
  StepOutput training_step(const data::Batch& batch) override;
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  void on_validation_start() override;
  std::string monitor() const override { return "test_loss"; }
  bool higher_is_better() const override { return false; }

 private:
  models::MAE mae_;
  uint64_t validation_seed_;
  at::Generator validation_masks_;
};

}  // namespace d2l::train
