#include "train/tasks/cyclegan.h"

#include <torch/nn/functional/loss.h>

#include "train/plot.h"

namespace d2l::train {
namespace F = torch::nn::functional;

namespace {

// The reference's GANLoss('lsgan'): mean squared distance of the patch logits from 1 or 0.
torch::Tensor lsgan(const torch::Tensor& logits, double target) {
  return F::mse_loss(logits, torch::full_like(logits, target));
}

torch::Tensor to_signed(const torch::Tensor& X) { return X.to(torch::kFloat32) * 2 - 1; }  // [0, 1] -> [-1, 1]

void set_requires_grad(torch::nn::Module& net, bool on) {
  for (auto& p : net.parameters()) p.set_requires_grad(on);
}

std::shared_ptr<torch::nn::Module> group(const std::shared_ptr<torch::nn::Module>& a, const std::string& a_name,
                                         const std::shared_ptr<torch::nn::Module>& b, const std::string& b_name) {
  auto g = std::make_shared<torch::nn::Module>();
  g->register_module(a_name, a);
  g->register_module(b_name, b);
  return g;
}

}  // namespace

CycleGANTask::CycleGANTask(models::CycleGAN gan, CycleGANTaskOptions options)
    : gan_(std::move(gan)),
      options_(options),
      generators_(group(gan_->netG_A.ptr(), "netG_A", gan_->netG_B.ptr(), "netG_B")),
      discriminators_(group(gan_->netD_A.ptr(), "netD_A", gan_->netD_B.ptr(), "netD_B")),
      fake_A_pool_(options.pool_size(), options.seed()),
      fake_B_pool_(options.pool_size(), options.seed() + 1) {}

std::vector<OptimizedPart> CycleGANTask::optimized_parts() {
  return {{"generators", generators_.get(), 1.0}, {"discriminators", discriminators_.get(), 1.0}};
}

StepOutput CycleGANTask::training_step(const data::Batch& batch, size_t part) {
  if (!batch.y.defined() || batch.y.sizes() != batch.X.sizes())
    throw std::invalid_argument("CycleGAN trains on batches of A images (X) and as many B images (y) of one size");
  const auto real_A = to_signed(batch.X), real_B = to_signed(batch.y.to(batch.X.device()).to(torch::kFloat32) / 255.0);
  const int64_t n = real_A.size(0);
  if (!shown_A_.defined()) {
    shown_A_ = batch.X.slice(0, 0, 4).detach().cpu();
    shown_B_ = (batch.y.slice(0, 0, 4).to(torch::kFloat32) / 255.0).cpu();
  }
  const double lambda = options_.lambda_cycle(), identity = options_.lambda_identity() * lambda;
  if (part == 0) {  // the generators, against frozen discriminators
    set_requires_grad(*discriminators_, false);
    const auto fake_B = gan_->netG_A->forward(real_A), rec_A = gan_->netG_B->forward(fake_B);
    const auto fake_A = gan_->netG_B->forward(real_B), rec_B = gan_->netG_A->forward(fake_A);
    const auto loss_idt = F::l1_loss(gan_->netG_A->forward(real_B), real_B) * identity +
                          F::l1_loss(gan_->netG_B->forward(real_A), real_A) * identity;
    const auto loss_adv = lsgan(gan_->netD_A->forward(fake_B), 1.0) + lsgan(gan_->netD_B->forward(fake_A), 1.0);
    const auto loss_cycle = F::l1_loss(rec_A, real_A) * lambda + F::l1_loss(rec_B, real_B) * lambda;
    const auto loss_G = loss_adv + loss_cycle + loss_idt;
    fake_A_ = fake_A.detach();
    fake_B_ = fake_B.detach();
    const auto per_example = [n](const torch::Tensor& l) { return l.detach() * static_cast<double>(n); };
    return {loss_G,
            {{"train_loss_G", per_example(loss_G), n},
             {"train_loss_cycle", per_example(loss_cycle), n},
             {"train_loss_idt", per_example(loss_idt), n}}};
  }
  set_requires_grad(*discriminators_, true);  // the discriminators, on pooled fakes
  const auto fake_B = fake_B_pool_.query(fake_B_), fake_A = fake_A_pool_.query(fake_A_);
  const auto loss_D_A = (lsgan(gan_->netD_A->forward(real_B), 1.0) + lsgan(gan_->netD_A->forward(fake_B), 0.0)) * 0.5;
  const auto loss_D_B = (lsgan(gan_->netD_B->forward(real_A), 1.0) + lsgan(gan_->netD_B->forward(fake_A), 0.0)) * 0.5;
  return {loss_D_A + loss_D_B,
          {{"train_loss_D_A", loss_D_A.detach() * static_cast<double>(n), n},
           {"train_loss_D_B", loss_D_B.detach() * static_cast<double>(n), n}}};
}

std::vector<Metric> CycleGANTask::validation_step(const data::Batch& batch) {
  // How well a round trip restores the held-out images (the cycle loss without its weight).
  const auto real_A = to_signed(batch.X), real_B = to_signed(batch.y.to(batch.X.device()).to(torch::kFloat32) / 255.0);
  const auto n = real_A.size(0);
  const auto rec_A = gan_->netG_B->forward(gan_->netG_A->forward(real_A));
  const auto rec_B = gan_->netG_A->forward(gan_->netG_B->forward(real_B));
  return {{"test_cycle_A", F::l1_loss(rec_A, real_A) * static_cast<double>(n), n},
          {"test_cycle_B", F::l1_loss(rec_B, real_B) * static_cast<double>(n), n}};
}

torch::Tensor translation_rows(models::CycleGANImpl& gan, const torch::Tensor& A, const torch::Tensor& B) {
  torch::NoGradGuard no_grad;
  const auto device = gan.parameters().front().device();
  const auto back = [](const torch::Tensor& X) { return (X.cpu() + 1) / 2; };
  const auto a = to_signed(A.to(device)), b = to_signed(B.to(device));
  const auto a_to_b = gan.netG_A->forward(a), b_to_a = gan.netG_B->forward(b);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < A.size(0); ++i)
    rows.insert(rows.end(), {A[i].cpu(), back(a_to_b[i]), back(gan.netG_B->forward(a_to_b.slice(0, i, i + 1))[0])});
  for (int64_t i = 0; i < B.size(0); ++i)
    rows.insert(rows.end(), {B[i].cpu(), back(b_to_a[i]), back(gan.netG_A->forward(b_to_a.slice(0, i, i + 1))[0])});
  return torch::stack(rows).clamp(0, 1);
}

void CycleGANTask::save_pictures(const std::filesystem::path& run_dir, int64_t epoch) {
  if (!shown_A_.defined()) return;
  const auto grid = translation_rows(*gan_, shown_A_, shown_B_);
  std::filesystem::create_directories(run_dir / "samples");
  const int64_t scale = std::max<int64_t>(1, 96 / grid.size(2));  // small images, magnified
  save_image_grid(run_dir / "samples" / ("epoch-" + std::to_string(epoch) + ".png"), grid, 3, scale);
  save_image_grid(run_dir / "samples.png", grid, 3, scale);
}

}  // namespace d2l::train
