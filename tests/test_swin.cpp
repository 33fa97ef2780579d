// Swin Transformer (Liu et al. 2021): window partitioning, the shifted-window mask written out by
// hand, relative positions, patch merging, and the paper's Swin-T size.
#include <gtest/gtest.h>

#include <filesystem>

#include "apps/experiment.h"
#include "apps/registry.h"
#include "models/swin.h"
#include "tests/helpers.h"

using namespace d2l;
using test::throws_with;

TEST(Swin, WindowsAreCutRowByRowAndPutBackExactly) {
  // A 4 x 4 map whose value is its position 0..15, in windows of 2 x 2.
  const auto x = torch::arange(16).view({1, 4, 4, 1});
  const auto windows = models::window_partition(x, 2);
  ASSERT_EQ(windows.sizes(), (std::vector<int64_t>{4, 4, 1}));
  EXPECT_TRUE(windows.squeeze(-1).equal(torch::tensor({{0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}})));
  EXPECT_TRUE(models::window_reverse(windows, 2, 4, 4).equal(x));
}

TEST(Swin, ShiftedWindowMaskLetsTokensAttendOnlyWithinTheirRegion) {
  // 4 x 4 map, windows of 2 x 2, rolled by 1: rows and columns 0-1 are one stretch, 2 is the
  // map's end, 3 its wrapped-around start.
  const auto allowed = models::shifted_window_mask(4, 4, 2, 1);
  ASSERT_EQ(allowed.sizes(), (std::vector<int64_t>{4, 4, 4}));
  const auto t = true, f = false;
  // Window 0 (top left) is all one region.
  EXPECT_TRUE(allowed[0].equal(torch::full({4, 4}, true)));
  // Window 1 (top right): columns 2 and 3 come from different regions.
  EXPECT_TRUE(allowed[1].equal(torch::tensor({t, f, t, f, f, t, f, t, t, f, t, f, f, t, f, t}).view({4, 4})));
  // Window 2 (bottom left): rows 2 and 3 differ.
  EXPECT_TRUE(allowed[2].equal(torch::tensor({t, t, f, f, t, t, f, f, f, f, t, t, f, f, t, t}).view({4, 4})));
  // Window 3 (bottom right): four regions, each token alone.
  EXPECT_TRUE(allowed[3].equal(torch::eye(4, torch::kBool)));
  // Without a shift every token of a window sees the whole window.
  EXPECT_TRUE(models::shifted_window_mask(4, 4, 2, 0).all().item<bool>());
}

TEST(Swin, ShiftedAttentionIgnoresTokensWrappedInFromTheOtherSide) {
  // With a roll of 1, the bottom-right token of a 4 x 4 map shares its window with tokens that
  // the roll brought from the top and the left: it must see none of them.
  torch::manual_seed(0);
  models::WindowAttention shifted(models::WindowAttentionOptions(8, 2, 2, 4).shift(1));
  models::WindowAttention plain(models::WindowAttentionOptions(8, 2, 2, 4));
  shifted->eval();
  plain->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 4, 4, 8});
  auto changed = x.clone();
  changed.index_put_({0, 0}, torch::randn({4, 8}));  // the top row, wrapped next to (3, 3)
  changed.index_put_({0, torch::indexing::Slice(), 0}, torch::randn({4, 8}));  // the left column
  changed.index_put_({0, 2, 2}, torch::randn({8}));  // a neighbour in the unshifted window
  EXPECT_TRUE(torch::allclose(shifted(x)[0][3][3], shifted(changed)[0][3][3], 1e-6, 1e-6));
  EXPECT_FALSE(torch::allclose(plain(x)[0][3][3], plain(changed)[0][3][3], 1e-3, 1e-3));
}

TEST(Swin, RelativePositionIndexCountsOffsetsInBothDirections) {
  // 2 x 2 window, tokens (0,0) (0,1) (1,0) (1,1); entry (dy + 1) * 3 + (dx + 1).
  EXPECT_TRUE(models::relative_position_index(2).equal(
      torch::tensor({{4, 3, 1, 0}, {5, 4, 2, 1}, {7, 6, 4, 3}, {8, 7, 5, 4}})));
}

TEST(Swin, PatchMergingHalvesTheResolutionAndDoublesTheWidth) {
  models::PatchMerging merge(16);
  EXPECT_EQ(merge(torch::randn({2, 8, 8, 16})).sizes(), (std::vector<int64_t>{2, 4, 4, 32}));
  EXPECT_EQ(merge->norm->weight.size(0), 64);                              // over the 4C concatenation
  EXPECT_EQ(merge->reduction->weight.sizes(), (std::vector<int64_t>{32, 64}));  // no bias
  EXPECT_FALSE(merge->reduction->bias.defined());
}

TEST(Swin, SwinTHasThePapersSize) {
  // Liu et al. 2021, Table 1: Swin-T, 28M; torchvision's swin_t counts 28,288,354.
  models::Swin net(models::swin_t());
  EXPECT_EQ(apps::count_parameters(*net), 28288354);
}

TEST(Swin, FeatureMapsEachStageProduces) {
  models::Swin net(models::swin_small_images().in_channels(1));
  net->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, 1, 32, 32});
  std::vector<std::vector<int64_t>> shapes;
  for (auto& layer : *net->features) {
    x = layer.forward(x);
    shapes.push_back(x.sizes().vec());
  }
  // embedding, stage 1, merge, stage 2, merge, stage 3: [B, H, W, C]
  EXPECT_EQ(shapes, (std::vector<std::vector<int64_t>>{{2, 16, 16, 48}, {2, 16, 16, 48}, {2, 8, 8, 96},
                                                        {2, 8, 8, 96}, {2, 4, 4, 192}, {2, 4, 4, 192}}));
}

TEST(Swin, ImageSizesThatDoNotTileAreRefusedWithTheReason) {
  EXPECT_TRUE(throws_with([] { models::Swin(models::swin_small_images().img_size(31)); }, "multiple of the patch size"));
  EXPECT_TRUE(throws_with([] { models::Swin(models::swin_small_images().img_size(24)); }, "stage 2 works on 6 x 6 patches, not a multiple of the window size 4"));
  EXPECT_TRUE(throws_with([] { models::Swin(models::swin_t().img_size(112)); }, "even resolution"));
  EXPECT_TRUE(throws_with([] { models::Swin(models::swin_small_images().num_heads({3, 5, 12})); }, "heads do not divide"));
  EXPECT_TRUE(throws_with([] { models::Swin(models::swin_small_images().num_heads({3, 6})); }, "head counts"));
}

TEST(Learning, SwinLearnsFashionMnistWellAboveChance) {
  // Measured: 3 epochs of AdamW on 2,000 images at 32 x 32 reach test accuracy ~0.61 (chance: 0.10).
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (the README's set-up installs it)";
  auto c = test::quick_run("swin", "fashion-mnist");
  c.epochs = 3;
  c.batch_size = 64;
  c.limit_train = 2000;
  c.limit_test = 500;
  test::TempDir dir;
  c.out = (dir / "run").string();
  const auto run = apps::run_training(c);
  EXPECT_GT(run.result.history.rows.back().at("test_acc"), 0.45);
}
