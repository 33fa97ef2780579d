#include "train/tasks/masked_autoencoder.h"

#include <ATen/CPUGeneratorImpl.h>

namespace d2l::train {

StepOutput MaskedAutoencoderTask::training_step(const data::Batch& batch) {
  const auto loss = mae_->forward(batch.X).loss;
  const int64_t n = batch.X.size(0);
  return {loss, {{"train_loss", loss.detach() * n, n}}};
}

void MaskedAutoencoderTask::on_validation_start() {
  validation_masks_ = at::make_generator<at::CPUGeneratorImpl>(validation_seed_);
}

std::vector<Metric> MaskedAutoencoderTask::validation_step(const data::Batch& batch) {
  if (!validation_masks_.defined()) on_validation_start();
  const int64_t n = batch.X.size(0);
  // Drawn on the CPU from our generator, so the masks do not depend on the device.
  const auto noise = at::rand({n, mae_->num_patches()}, validation_masks_).to(batch.X.device());
  const auto loss = mae_->forward(batch.X, noise).loss;
  return {{"test_loss", loss * n, n}};
}

}  // namespace d2l::train
