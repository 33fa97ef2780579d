// CycleGAN training (Zhu et al. 2017, the reference's CycleGANModel): per batch of unpaired
// images (X from domain A, y from domain B, both in [0, 1]; mapped to [-1, 1] here), first the
// generators' step (least-squares adversarial losses, cycle consistency A -> B -> A and
// B -> A -> B weighted lambda = 10, identity weighted 0.5 lambda), with the discriminators
// frozen, then the discriminators' step on real images and on generated ones drawn through a
// history pool of 50 (each loss halved).
#pragma once
#include "models/cyclegan.h"
#include "train/task.h"
#include "train/tasks/image_pool.h"

namespace d2l::train {

struct CycleGANTaskOptions {
  TORCH_ARG(double, lambda_cycle) = 10.0;    // lambda_A = lambda_B
  TORCH_ARG(double, lambda_identity) = 0.5;  // times lambda_cycle
  TORCH_ARG(int64_t, pool_size) = 50;
  TORCH_ARG(uint64_t, seed) = 0;  // the pools' draws
};

class CycleGANTask : public MultiOptimizerTask {
 public:
  explicit CycleGANTask(models::CycleGAN gan, CycleGANTaskOptions options = {});
  torch::nn::Module& model() override { return *gan_; }
  std::vector<OptimizedPart> optimized_parts() override;
  StepOutput training_step(const data::Batch& batch, size_t part) override;
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  std::string monitor() const override { return ""; }
  bool higher_is_better() const override { return false; }
  // Rows of A | G_A(A) | G_B(G_A(A)) and B | G_B(B) | G_A(G_B(B)) for the first images seen, as
  // RUN/samples/epoch-N.png and RUN/samples.png.
  void save_pictures(const std::filesystem::path& run_dir, int64_t epoch) override;

 private:
  models::CycleGAN gan_;
  CycleGANTaskOptions options_;
  std::shared_ptr<torch::nn::Module> generators_, discriminators_;  // the two optimizers' parameters
  ImagePool fake_A_pool_, fake_B_pool_;
  torch::Tensor fake_A_, fake_B_;  // the generators' step's, for the discriminators' step
  torch::Tensor shown_A_, shown_B_;  // the first images seen, for the pictures
};

// [n, C, H, W] rows: real, translated, translated back (in [0, 1]), for images in [0, 1].
torch::Tensor translation_rows(models::CycleGANImpl& gan, const torch::Tensor& A, const torch::Tensor& B);

}  // namespace d2l::train
