// The trainer on an NVIDIA GPU. Without one (CI, the CPU build) every test here is reported as
// skipped, not passed (ctest's SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "apps/experiment.h"
#include "apps/registry.h"
#include "data/loader.h"
#include "train/distributed.h"
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

TEST_F(Cuda, BatchesMadeOnTheGpuEqualTheCpuOnes) {
  data::TensorDataset images{torch::randint(0, 256, {100, 28, 28}, torch::kInt64).to(torch::kUInt8),
                             torch::randint(0, 10, {100}, torch::kInt64)};
  data::Transform transform;
  transform.resize = 64;
  transform.channels = 3;
  transform.mean = {0.485, 0.456, 0.406};
  transform.std = {0.229, 0.224, 0.225};
  transform.random_resized_crop = 48;
  transform.horizontal_flip = true;
  const auto options = data::LoaderOptions().batch_size(32).shuffle(true).augment(true).seed(3);
  data::DataLoader cpu(images, transform, options);
  // Kept on the GPU (Fashion-MNIST's case), and streamed from pinned host memory.
  data::DataLoader resident(images, transform, data::LoaderOptions(options).device(torch::kCUDA));
  data::DataLoader streamed(images, transform, data::LoaderOptions(options).device(torch::kCUDA).max_device_bytes(0));
  EXPECT_TRUE(resident.on_device());
  EXPECT_FALSE(streamed.on_device());
  for (auto* loader : {&cpu, &resident, &streamed}) loader->set_epoch(1);
  for (int64_t i = 0; i < cpu.num_batches(); ++i) {
    const auto expected = cpu.batch(i);
    for (const auto* loader : {&resident, &streamed}) {
      const auto batch = loader->batch(i);
      ASSERT_TRUE(batch.X.is_cuda() && batch.y.is_cuda());
      EXPECT_TRUE(torch::equal(batch.y.cpu(), expected.y)) << "batch " << i;
      EXPECT_TRUE(torch::allclose(batch.X.cpu(), expected.X, 1e-4, 1e-4)) << "batch " << i;
    }
  }
}

TEST_F(Cuda, TrainingOnTheGpuMatchesTheCpuOverAnEpoch) {
  auto on_cpu = lenet("cpu", "cpu-run");
  auto on_gpu = lenet("cuda", "gpu-run");
  on_cpu.epochs = on_gpu.epochs = 1;
  on_cpu.optimizer = on_gpu.optimizer = "sgd";
  on_cpu.lr = on_gpu.lr = 0.1;
  const auto cpu = apps::run_training(on_cpu).result.history.rows.back();
  const auto gpu = apps::run_training(on_gpu).result.history.rows.back();
  // The same data order and initial weights; only the kernels' rounding differs.
  EXPECT_NEAR(cpu.at("train_loss"), gpu.at("train_loss"), 5e-3);
  EXPECT_NEAR(cpu.at("test_acc"), gpu.at("test_acc"), 0.02);
}

TEST_F(Cuda, ADeviceBeyondTheDeviceCountIsAnError) {
  const auto r = test::run_d2l("train lenet --data-dir " + (dir_ / "data").string() + " --epochs 1 --device cuda:99");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--device cuda:99: only"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CUDA device(s) present"), std::string::npos) << r.output;
}

// Data-parallel training on CUDA goes through c10d's NCCL backend (issue 10): one rank, launched
// as several would be.
TEST_F(Cuda, OneRankTrainsDataParallelThroughNccl) {
  if (!train::distributed_supported(torch::kCUDA)) GTEST_SKIP() << "built without NCCL (-DD2L_WITH_NCCL=ON)";
  const auto out = dir_ / "ddp";
  const auto r = test::run_d2l("launch --nproc 1 -- train lenet --data-dir " + (dir_ / "data").string() +
                               " --epochs 2 --batch-size 64 --device cuda --distributed --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out / "checkpoints" / "last.pt")) << r.output;
}
