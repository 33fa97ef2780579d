#include "train/tasks/gan.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>

#include "train/plot.h"

namespace d2l::train {
namespace F = torch::nn::functional;

namespace {

// The book's loss: nn.BCEWithLogitsLoss(reduction='sum') against all-ones or all-zeros.
torch::Tensor bce(const torch::Tensor& logits, double target) {
  return F::binary_cross_entropy_with_logits(
      logits, torch::full_like(logits, target), F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
}

}  // namespace

GANTask::GANTask(models::GAN gan, GANTaskOptions options) : gan_(std::move(gan)), options_(options) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options_.seed());
  std::vector<int64_t> shape{options_.num_samples()};
  shape.insert(shape.end(), gan_->latent_shape.begin(), gan_->latent_shape.end());
  fixed_noise_ = torch::randn(shape, generator);
}

std::vector<OptimizedPart> GANTask::optimized_parts() {
  return {{"discriminator", gan_->net_D.ptr().get(), 1.0},
          {"generator", gan_->net_G.ptr().get(), options_.generator_lr_scale()}};
}

StepOutput GANTask::training_step(const data::Batch& batch, size_t part) {
  const auto& X = batch.X;
  const int64_t n = X.size(0);
  if (part == 0 && X.dim() == 2 && (!real_points_.defined() || real_points_.size(0) < 100)) {
    const auto points = X.detach().cpu();
    real_points_ = real_points_.defined() ? torch::cat({real_points_, points}) : points;
  }
  if (part == 0) {  // update_D
    Z_ = gan_->noise(n, X.options());
    const auto real_Y = gan_->discriminate(X);
    const auto fake_X = gan_->generate(Z_);
    // The generator is not updated here: do not back-propagate into it.
    const auto fake_Y = gan_->discriminate(fake_X.detach());
    const auto loss_D = (bce(real_Y, 1.0) + bce(fake_Y, 0.0)) / 2;
    return {loss_D,
            {{"train_loss_D", loss_D.detach(), n},
             {"train_D_x", torch::sigmoid(real_Y.detach()).sum(), n},
             {"train_D_G_z", torch::sigmoid(fake_Y.detach()).sum(), n}}};
  }
  // update_G, on the same noise, through the just-updated discriminator.
  const auto fake_Y = gan_->discriminate(gan_->generate(Z_));
  const auto loss_G = bce(fake_Y, 1.0);
  return {loss_G, {{"train_loss_G", loss_G.detach(), n}}};
}

torch::Tensor sample_images(models::GANImpl& gan, const torch::Tensor& Z) {
  torch::NoGradGuard no_grad;
  // As the book draws them: in training mode, batch norm using the samples' own statistics. The
  // running statistics are put back, so drawing pictures never changes the model.
  std::vector<torch::Tensor> buffers;
  for (const auto& b : gan.buffers()) buffers.push_back(b.clone());
  const bool was_training = gan.is_training();
  gan.train();
  const auto device = gan.parameters().front().device();
  const auto images = gan.generate(Z.to(device)).cpu() / 2 + 0.5;
  gan.train(was_training);
  size_t i = 0;
  for (auto& b : gan.buffers()) b.copy_(buffers[i++]);
  return images.clamp(0, 1);
}

void GANTask::save_pictures(const std::filesystem::path& run_dir, int64_t epoch) {
  const auto name = "epoch-" + std::to_string(epoch) + ".png";
  std::filesystem::create_directories(run_dir / "samples");
  if (gan_->latent_shape.size() == 3) {
    const auto grid = sample_images(*gan_, fixed_noise_);
    save_image_grid(run_dir / "samples" / name, grid, 8);
    save_image_grid(run_dir / "samples.png", grid, 8);
    return;
  }
  if (!real_points_.defined() || real_points_.size(1) != 2) return;  // only 2-D points are drawn
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;
    fake = gan_->generate(fixed_noise_.to(gan_->parameters().front().device())).cpu();
  }
  const std::vector<std::pair<std::string, torch::Tensor>> series{{"real", real_points_.slice(0, 0, 100)},
                                                                  {"generated", fake.slice(0, 0, 100)}};
  save_scatter(run_dir / "samples" / name, series);
  save_scatter(run_dir / "samples.png", series);
}

}  // namespace d2l::train
