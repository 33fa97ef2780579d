// CycleGAN's parts (Zhu et al. 2017; the authors' reference code): generator and discriminator
// sizes, shapes and parameter names against the reference networks, the image pool's behaviour,
// and the constant-then-linear learning-rate schedule at its boundary epochs.
#include <gtest/gtest.h>

#include "apps/registry.h"
#include "models/cyclegan.h"
#include "train/schedule.h"
#include "train/tasks/image_pool.h"

using namespace d2l;

TEST(CycleGan, NetworksHaveTheReferenceSizesShapesAndNames) {
  // Counted once with /usr/bin/python3 on the reference's ResnetGenerator and NLayerDiscriminator
  // (norm 'instance'): 11,378,179 (9 blocks), 7,837,699 (6 blocks), 2,764,737 (70 x 70 PatchGAN).
  models::ResnetGenerator g9, g6(models::ResnetGeneratorOptions().n_blocks(6));
  models::PatchDiscriminator d;
  EXPECT_EQ(apps::count_parameters(*g9), 11378179);
  EXPECT_EQ(apps::count_parameters(*g6), 7837699);
  EXPECT_EQ(apps::count_parameters(*d), 2764737);
  const auto X = torch::rand({2, 3, 32, 32}) * 2 - 1;
  const auto Y = g6->forward(X);
  EXPECT_EQ(Y.sizes(), X.sizes());
  EXPECT_LE(Y.abs().max().item<double>(), 1.0);
  EXPECT_EQ(d->forward(torch::rand({1, 3, 256, 256})).sizes(), (std::vector<int64_t>{1, 1, 30, 30}));  // 70 x 70 patches
  EXPECT_EQ(d->forward(X).sizes(), (std::vector<int64_t>{2, 1, 2, 2}));
  const auto params = g9->named_parameters();
  for (const auto* name : {"model.1.weight", "model.1.bias", "model.10.conv_block.1.weight", "model.18.conv_block.5.bias",
                           "model.19.weight", "model.26.weight"})
    EXPECT_TRUE(params.contains(name)) << name;
  EXPECT_TRUE(d->named_parameters().contains("model.11.bias"));
  // init_type 'normal': weights N(0, 0.02^2), biases 0; instance norm has no parameters.
  EXPECT_NEAR(params["model.10.conv_block.1.weight"].std().item<double>(), 0.02, 0.001);
  EXPECT_EQ(params["model.1.bias"].abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(g9->named_buffers().is_empty());
}

TEST(CycleGan, ImagePoolReturnsStoredImagesHalfTheTimeOnceFull) {
  train::ImagePool pool(4, /*seed=*/1);
  // Filling: every image comes back as it is, and is kept.
  const auto first = torch::arange(4).view({4, 1, 1, 1}).to(torch::kFloat32);
  EXPECT_TRUE(torch::equal(pool.query(first), first));
  EXPECT_EQ(pool.size(), 4);
  // Full: over many queries about half the answers are stored images (any but the one asked about).
  int older = 0, total = 0;
  for (int round = 0; round < 200; ++round) {
    const auto fresh = (100.0f + 10.0f * round + torch::arange(5).to(torch::kFloat32)).view({5, 1, 1, 1});
    const auto out = pool.query(fresh);
    ASSERT_EQ(out.sizes(), fresh.sizes());
    older += (out != fresh).sum().item<int>();
    total += 5;
  }
  EXPECT_NEAR(static_cast<double>(older) / total, 0.5, 0.08);
  EXPECT_EQ(pool.size(), 4);
  train::ImagePool none(0);
  EXPECT_TRUE(torch::equal(none.query(first), first));
}

TEST(CycleGan, LearningRateIsConstantThenFallsLinearly) {
  // The reference's 100 + 100 epochs: epochs 0-98 at the full rate, then 1 - k / 101.
  train::ScheduleConfig s;
  s.name = "linear";
  s.decay_epochs = 100;
  const int64_t per_epoch = 10, total = 200 * per_epoch;
  const auto at_epoch = [&](int64_t e) { return train::learning_rate_at(s, 2e-4, e * per_epoch, per_epoch, total); };
  EXPECT_DOUBLE_EQ(at_epoch(0), 2e-4);
  EXPECT_DOUBLE_EQ(at_epoch(98), 2e-4);
  EXPECT_DOUBLE_EQ(at_epoch(99), 2e-4 * (1 - 0.0 / 101));
  EXPECT_DOUBLE_EQ(at_epoch(100), 2e-4 * (1 - 1.0 / 101));
  EXPECT_DOUBLE_EQ(at_epoch(199), 2e-4 * (1 - 100.0 / 101));
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 2e-4, 100 * per_epoch + 9, per_epoch, total), at_epoch(100));  // per epoch
}
