// The trainer on an NVIDIA GPU. Without one (CI, the CPU build) every test here is reported as
// skipped, not passed (ctest's SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "apps/experiment.h"
#include "apps/registry.h"
#include "tests/helpers.h"

using namespace d2l;

namespace {

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device (or a CPU-only LibTorch)";
    test::write_fake_mnist(dir_ / "data", 1024, 256);
  }
  apps::RunConfig lenet(const std::string& device, const std::string& out) const {
    auto c = test::quick_run("lenet", "fashion-mnist");
    c.device = device;
    c.data_dir = (dir_ / "data").string();
    c.epochs = 3;
    c.batch_size = 64;
    c.optimizer = "adam";
    c.lr = 0.01;
    c.out = (dir_ / out).string();
    return c;
  }
  test::TempDir dir_;
};

}  // namespace

TEST_F(Cuda, TheSameModelAndBatchGiveTheSameLossOnCpuAndGpu) {
  const auto& spec = apps::find_model("lenet");
  torch::manual_seed(0);
  auto model = spec.make(apps::default_args(spec).value());
  const auto X = torch::rand({8, 1, 28, 28});
  const auto y = torch::randint(10, {8}, torch::kInt64);
  const auto cpu = torch::cross_entropy_loss(model.forward(X), y);
  model.ptr()->to(torch::kCUDA);
  const auto gpu = torch::cross_entropy_loss(model.forward(X.cuda()), y.cuda());
  EXPECT_NEAR(cpu.item<double>(), gpu.item<double>(), 1e-4);
}

TEST_F(Cuda, Float16AutocastWithTheGradScalerLowersTheLoss) {
  auto c = lenet("cuda", "fp16");
  c.amp = "fp16";
  const auto run = apps::run_training(c);
  const auto& rows = run.result.history.rows;
  EXPECT_LT(rows.back().at("train_loss"), rows.front().at("train_loss"));
  EXPECT_GT(rows.back().at("test_acc"), 0.5) << "chance is 0.1";
  const auto state = train::load_checkpoint(apps::checkpoint_path(dir_ / "fp16"), *run.model.ptr());
  EXPECT_GT(state.grad_scale, 0) << "the scaler's state is in the checkpoint";
  // And it resumes with it.
  auto more = c;
  more.epochs = 4;
  EXPECT_EQ(apps::run_training(more, apps::checkpoint_path(dir_ / "fp16")).result.history.rows.size(), 4u);
}

TEST_F(Cuda, ACheckpointSavedOnTheGpuLoadsOnTheCpuAndBack) {
  apps::run_training(lenet("cuda", "gpu"));
  const auto on_cpu = apps::load_trained(dir_ / "gpu", [](apps::RunConfig& c) { c.device = "cpu"; });
  const auto on_gpu = apps::load_trained(dir_ / "gpu", [](apps::RunConfig& c) { c.device = "cuda"; });
  auto cpu_model = on_cpu.model;
  auto gpu_model = on_gpu.model;
  cpu_model.ptr()->eval();
  gpu_model.ptr()->eval();
  const auto X = torch::rand({4, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(cpu_model.forward(X), gpu_model.forward(X.cuda()).cpu(), 1e-4, 1e-4));
  // A run trained on the CPU resumes on the GPU.
  apps::run_training(lenet("cpu", "cpu"));
  auto resumed = lenet("cuda", "cpu");
  resumed.epochs = 4;
  EXPECT_EQ(apps::run_training(resumed, apps::checkpoint_path(dir_ / "cpu")).result.history.rows.size(), 4u);
}
