// Mixed precision (train/amp.h): autocast regions, the float16 gradient scaler, its state in
// checkpoints, and bfloat16 training on the CPU (float16 needs CUDA: tests/test_cuda.cpp).
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <cmath>

#include "apps/experiment.h"
#include "tests/helpers.h"
#include "train/amp.h"
#include "train/checkpoint.h"

using namespace d2l;

TEST(Autocast, MatrixProductsRunInBfloat16InsideTheRegionOnly) {
  torch::nn::Linear linear(4, 3);
  const auto X = torch::rand({2, 4});
  {
    const train::AutocastGuard autocast(torch::kCPU, train::Precision::bf16);
    EXPECT_EQ(linear(X).scalar_type(), torch::kBFloat16);
    {
      const train::AutocastGuard off(torch::kCPU, train::Precision::fp32);  // fp32: leaves it as it is
      EXPECT_EQ(linear(X).scalar_type(), torch::kBFloat16);
    }
  }
  EXPECT_EQ(linear(X).scalar_type(), torch::kFloat32);
  EXPECT_EQ(linear->weight.scalar_type(), torch::kFloat32);  // the weights stay float32
}

TEST(Autocast, Float16OffCudaIsAClearError) {
  EXPECT_TRUE(test::throws_with([] { train::AutocastGuard guard(torch::kCPU, train::Precision::fp16); },
                                "--amp fp16 needs a CUDA device"));
  EXPECT_TRUE(test::throws_with([] { train::parse_precision("fp8"); }, "expected none, bf16 or fp16"));
  EXPECT_EQ(train::parse_precision("bf16"), train::Precision::bf16);
  const auto r = test::run_d2l("train lenet --amp fp16 --device cpu");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("on the CPU use --amp bf16"), std::string::npos) << r.output;
}

TEST(GradScaler, UnscalesSkipsNonFiniteStepsAndAdaptsTheScale) {
  torch::nn::Linear net(2, 1);
  train::GradScaler scaler(train::GradScalerOptions().init_scale(1024).growth_interval(3));
  const auto loss = net(torch::ones({1, 2})).sum();
  EXPECT_DOUBLE_EQ(scaler.scale(loss).item<double>(), 1024 * loss.item<double>());
  scaler.scale(loss).backward();
  EXPECT_TRUE(scaler.unscale(*net));
  EXPECT_TRUE(torch::allclose(net->weight.grad(), torch::ones({1, 2})));  // d(sum)/dW = input
  // Three good steps double the scale; an overflow halves it and restarts the count.
  for (int i = 0; i < 3; ++i) scaler.update(true);
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 2048);
  scaler.update(true);
  net->weight.mutable_grad()[0][1] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(scaler.unscale(*net));
  scaler.update(false);
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 1024);
  EXPECT_EQ(scaler.growth_tracker(), 0);
  EXPECT_THROW(scaler.restore(0, 0), std::invalid_argument);
}

TEST(GradScaler, ItsStateIsKeptInTheCheckpoint) {
  test::TempDir dir;
  torch::nn::Linear net(2, 1);
  torch::optim::SGD sgd(net->parameters(), 0.1);
  train::TrainingState state;
  state.grad_scale = 8192;
  state.grad_scale_growth = 17;
  train::save_checkpoint(dir / "c.pt", *net, sgd, state);
  const auto loaded = train::load_checkpoint(dir / "c.pt", *net, &sgd);
  EXPECT_DOUBLE_EQ(loaded.grad_scale, 8192);
  EXPECT_EQ(loaded.grad_scale_growth, 17);
}

TEST(Learning, Bfloat16AutocastTrainsAsFloat32DoesOnTheCpu) {
  test::TempDir dir;
  test::write_fake_mnist(dir / "data", 1024, 256);
  std::map<std::string, std::map<std::string, double>> last;
  for (const auto* amp : {"none", "bf16"}) {
    auto c = test::quick_run("mlp", "fashion-mnist");
    c.data_dir = (dir / "data").string();
    c.epochs = 3;
    c.batch_size = 64;
    c.optimizer = "adam";
    c.lr = 0.003;
    c.amp = amp;
    c.out = (dir / amp).string();
    last[amp] = apps::run_training(c).result.history.rows.back();
  }
  EXPECT_GT(last["bf16"]["test_acc"], 0.8) << "chance is 0.1";
  // The same run, its products rounded to bfloat16's 8 bits of mantissa: close, not equal.
  EXPECT_NE(last["bf16"]["train_loss"], last["none"]["train_loss"]);
  EXPECT_NEAR(last["bf16"]["test_acc"], last["none"]["test_acc"], 0.1);
}
