// Adversarial training (d2l 20.1-20.2): per batch, the book's update_D (real data scored 1,
// generated data 0) and then update_G (generated data scored 1), binary cross-entropy on the
// discriminator's logits summed over the batch, with the same noise batch for both, each step
// with its own optimizer. Metrics: loss_D and loss_G per example, as the book prints them, and
// the discriminator's mean belief D(x) on real and D(G(z)) on generated data.
#pragma once
#include <ATen/core/Generator.h>

#include "models/gan.h"
#include "train/task.h"

namespace d2l::train {

struct GANTaskOptions {
  TORCH_ARG(double, generator_lr_scale) = 1.0;  // the generator's rate over the discriminator's (20.1: 0.1)
  TORCH_ARG(int64_t, num_samples) = 64;         // images in each epoch's sample grid
  TORCH_ARG(uint64_t, seed) = 0;                // of the grid's fixed noise
};

class GANTask : public MultiOptimizerTask {
 public:
  GANTask(models::GAN gan, GANTaskOptions options = {});
  torch::nn::Module& model() override { return *gan_; }
  std::vector<OptimizedPart> optimized_parts() override;
  StepOutput training_step(const data::Batch& batch, size_t part) override;
  std::vector<Metric> validation_step(const data::Batch& /*batch*/) override { return {}; }
  // No validation metric picks a best GAN: checkpoints/last.pt is the run's.
  std::string monitor() const override { return ""; }
  bool higher_is_better() const override { return false; }
  // Samples of the fixed noise as RUN/samples/epoch-N.png and RUN/samples.png: a grid of images,
  // or for 2-D data a scatter of them over the first real points seen (the book's figure).
  void save_pictures(const std::filesystem::path& run_dir, int64_t epoch) override;

 private:
  models::GAN gan_;
  GANTaskOptions options_;
  torch::Tensor Z_;            // this batch's noise, shared by update_D and update_G
  torch::Tensor fixed_noise_;  // the sample grid's, the same every epoch
  torch::Tensor real_points_;  // 2-D data: up to 100 real examples, for the scatter
};

// Generated images [n, C, H, W] in [0, 1] from a GAN whose data was normalised to [-1, 1], drawn
// as the book draws them (batch norm in training mode); the model is left unchanged.
torch::Tensor sample_images(models::GANImpl& gan, const torch::Tensor& Z);

}  // namespace d2l::train
