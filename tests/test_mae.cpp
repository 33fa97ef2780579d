// Masked autoencoders (He et al. 2021): the random masking and its inverse written out by hand,
// patches, the loss on masked patches only, pre-training from the CLI, the reconstruction grid,
// and fine-tuning a ViT from the pre-trained encoder (--init-from).
#include <gtest/gtest.h>

#include <filesystem>

#include "apps/experiment.h"
#include "apps/registry.h"
#include "data/image.h"
#include "models/mae.h"
#include "tests/helpers.h"
#include "train/atomic_file.h"
#include "train/metrics.h"

using namespace d2l;
using test::throws_with;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A small ViT encoder: 16 x 16 gray images in 16 patches of 4 x 4.
models::MAEOptions small_mae() {
  return models::MAEOptions(models::ViTOptions().img_size(16).patch_size(4).num_hiddens(32).mlp_num_hiddens(64).num_heads(4).num_blks(1))
      .decoder_num_hiddens(16)
      .decoder_mlp_num_hiddens(32)
      .decoder_num_heads(2)
      .decoder_num_blks(1);
}

}  // namespace

TEST(MAE, MaskingKeepsThePatchesWithTheSmallestNoise) {
  const auto m = models::random_masking(torch::tensor({{0.9, 0.1, 0.5, 0.3}, {0.2, 0.4, 0.6, 0.8}}), 0.5);
  EXPECT_TRUE(m.ids_keep.equal(torch::tensor({{1, 3}, {0, 1}})));
  EXPECT_TRUE(m.mask.equal(torch::tensor({{1.0, 0.0, 1.0, 0.0}, {0.0, 0.0, 1.0, 1.0}})));
  // Shuffled order (kept first): 1, 3, 2, 0; ids_restore puts position i's token back.
  EXPECT_TRUE(m.ids_restore[0].equal(torch::tensor({3, 0, 2, 1})));
}

TEST(MAE, MaskingKeepsExactlyTheRequestedFractionAndUnshufflingRestoresOrder) {
  torch::manual_seed(0);
  const auto noise = torch::rand({8, 196});
  const auto m = models::random_masking(noise, 0.75);
  EXPECT_EQ(m.ids_keep.size(1), 49);                              // floor(196 * 0.25)
  EXPECT_TRUE(m.mask.sum(1).equal(torch::full({8}, 147.0)));      // every example: 147 masked
  EXPECT_TRUE(m.mask.gather(1, m.ids_keep).eq(0).all().item<bool>());  // the kept ones are not
  // Tokens 0..N-1 put in shuffled order, then gathered by ids_restore, are back in order.
  const auto tokens = torch::arange(196).expand({8, 196});
  const auto shuffled = tokens.gather(1, noise.argsort(int64_t{1}));
  EXPECT_TRUE(shuffled.gather(1, m.ids_restore).equal(tokens));
}

TEST(MAE, PatchesAreCutRowByRowAndPutBackExactly) {
  const auto image = torch::arange(16).view({1, 1, 4, 4});
  const auto patches = models::patchify(image, 2);
  EXPECT_TRUE(patches.equal(torch::tensor({{{0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}}})));
  EXPECT_TRUE(models::unpatchify(patches, 2, 1).equal(image));
  const auto rgb = torch::rand({2, 3, 8, 8});
  EXPECT_TRUE(models::unpatchify(models::patchify(rgb, 4), 4, 3).equal(rgb));
}

TEST(MAE, LossCountsTheMaskedPatchesOnly) {
  torch::manual_seed(0);
  models::MAE mae(small_mae());
  const auto images = torch::rand({2, 1, 16, 16});
  const auto out = mae(images, torch::rand({2, 16}));
  EXPECT_EQ(out.pred.sizes(), (std::vector<int64_t>{2, 16, 16}));
  EXPECT_EQ(out.mask.sum().item<double>(), 24.0);  // 12 of 16 patches masked in each image
  const auto per_patch = (out.pred - models::patchify(images, 4)).pow(2).mean(-1);
  EXPECT_NEAR(out.loss.item<double>(), per_patch.masked_select(out.mask.to(torch::kBool)).mean().item<double>(), 1e-6);
  // The visualisation keeps the visible patches and greys out the masked ones.
  const auto [masked, reconstruction] = mae->visualise(images, out);
  const auto visible = out.mask.eq(0).unsqueeze(-1);
  EXPECT_TRUE(models::patchify(reconstruction, 4).masked_select(visible).equal(models::patchify(images, 4).masked_select(visible)));
  EXPECT_TRUE(models::patchify(masked, 4).masked_select(visible.logical_not()).eq(0.5).all().item<bool>());
}

TEST(MAE, RegisteredModelIsTheBooksViTPlusAnEncoderNormAndALightDecoder) {
  // On the ViT's defaults (96 x 96 gray, patch 16, 512 wide, 2 blocks, 10 classes): the ViT's
  // 6,457,866, the encoder's LayerNorm 1,024, decoder_embed 512 * 128 + 128 = 65,664, the mask
  // token 128, decoder positions 37 * 128 = 4,736, two pre-norm blocks of 128 with biased
  // attention (256 + 66,048 + 256 + 131,712 each) 396,544, decoder_norm 256, decoder_pred
  // 128 * 256 + 256 = 33,024.
  const auto& spec = apps::find_model("mae");
  auto model = spec.make(apps::default_args(spec).value());
  EXPECT_EQ(apps::count_parameters(*model.ptr()), 6959242);
}

TEST(MAE, BadSettingsAreRefusedBeforeTraining) {
  EXPECT_TRUE(throws_with([] { models::MAE(small_mae().mask_ratio(0.0)); }, "not in (0, 1)"));
  EXPECT_TRUE(throws_with([] { models::MAE(small_mae().mask_ratio(1.0)); }, "not in (0, 1)"));
  EXPECT_TRUE(throws_with([] { models::MAE(small_mae().mask_ratio(0.99)); }, "leaves none of the 16 patches visible"));
  auto options = small_mae();
  options.encoder().img_size(18);
  EXPECT_TRUE(throws_with([&] { models::MAE{options}; }, "not a multiple of the patch size"));
}

// ---- From the command line, on a small fake Fashion-MNIST ----
namespace {

class MaeCli : public ::testing::Test {
 protected:
  void SetUp() override { test::write_fake_mnist(dir_ / "data", 256, 64); }
  // A small ViT encoder shared by pre-training and fine-tuning.
  std::string sizes(int64_t num_hiddens = 32) const {
    return "--data-dir " + (dir_ / "data").string() + " --resize 16 --patch-size 4 --num-hiddens " +
           std::to_string(num_hiddens) + " --num-layers 2 --batch-size 32 --threads 2 -q ";
  }
  std::filesystem::path pretrain() const {
    const auto out = dir_ / "mae";
    const auto r = test::run_d2l("train mae " + sizes() + "--epochs 3 --lr 0.003 --out " + out.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return out;
  }
  test::TempDir dir_;
};

}  // namespace

TEST_F(MaeCli, PretrainingLowersTheReconstructionLossAndDrawsReconstructions) {
  const auto run = pretrain();
  const auto trained = apps::load_trained(run, [&](apps::RunConfig& c) { c.data_dir = (dir_ / "data").string(); });
  ASSERT_EQ(trained.final_metrics.count("test_loss"), 1u);
  const auto history = train::History::from_csv(train::read_text(run / "metrics.csv"));
  ASSERT_EQ(history.rows.size(), 3u);
  EXPECT_LT(history.rows.back().at("train_loss"), history.rows.front().at("train_loss"));
  EXPECT_LT(history.rows.back().at("test_loss"), history.rows.front().at("test_loss"));
  const auto grid = dir_ / "grid.png";
  const auto r = test::run_d2l("predict " + run.string() + " --out " + grid.string() + " --num 4 --data-dir " +
                               (dir_ / "data").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "original | masked 75% | reconstruction")) << r.output;
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  // 4 rows of 3 tiles, 16-pixel images magnified 6 times, 2-pixel borders.
  const auto picture = data::read_image(grid, 3);
  EXPECT_EQ(picture.sizes(), (std::vector<int64_t>{3, 4 * 98 + 2, 3 * 98 + 2}));
}

TEST_F(MaeCli, ValidationLossUsesTheSameMasksEveryTime) {
  const auto run = pretrain();
  auto e = apps::load_trained(run, [&](apps::RunConfig& c) { c.data_dir = (dir_ / "data").string(); });
  const auto loss = [&] {
    return train::Trainer::evaluate(*e.task, e.data.val_loader(32), torch::kCPU, false).at("test_loss");
  };
  EXPECT_EQ(loss(), loss());
}

TEST_F(MaeCli, AViTFineTunesFromThePretrainedEncoder) {
  const auto run = pretrain();
  auto config = apps::RunConfig();
  config.model = "vit";
  config.data_dir = (dir_ / "data").string();
  config.resize = 16;
  config.patch_size = 4;
  config.num_hiddens = 32;
  config.num_layers = 2;
  config.quiet = true;
  config.init_from = run.string();
  config.seed = 7;  // not the pre-training seed: the fresh output layer differs from the unused one
  const auto vit = apps::build_experiment(config);
  const auto mae = apps::load_trained(run, [&](apps::RunConfig& c) { c.data_dir = (dir_ / "data").string(); });
  const auto& encoder = *mae.model.get<models::MAE>()->encoder;
  const auto ours = vit.model.ptr()->named_parameters();
  for (const auto& p : encoder.named_parameters()) {
    if (p.key().rfind("head.1.", 0) == 0) {  // the classifier's output layer starts afresh
      EXPECT_FALSE(ours[p.key()].equal(p.value())) << p.key();
    } else {
      EXPECT_TRUE(ours[p.key()].equal(p.value())) << p.key();
    }
  }
  // And from the command line, fine-tuning runs; a ViT of other sizes is refused before training.
  const auto ok = test::run_d2l("train vit " + sizes() + "--epochs 1 --init-from " + run.string() + " --out " +
                                (dir_ / "ft").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  const auto bad = test::run_d2l("train vit " + sizes(64) + "--epochs 1 --init-from " + run.string() +
                                 " --out " + (dir_ / "bad").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.output, "--init-from")) << bad.output;
  EXPECT_TRUE(contains(bad.output, "give 'vit' the sizes it was pre-trained with")) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad"));
  const auto missing = test::run_d2l("train vit " + sizes() + "--epochs 1 --init-from " + (dir_ / "nowhere").string());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(contains(missing.output, "--init-from " + (dir_ / "nowhere").string() + ":")) << missing.output;
}

TEST_F(MaeCli, FlagsThatDoNotFitAreRefused) {
  const auto data = "--data-dir " + (dir_ / "data").string() + " -q --epochs 1 ";
  auto r = test::run_d2l("train mae " + data + "--resize 16 --patch-size 4 --mask-ratio 1.5");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "--mask-ratio (mask_ratio) must be in (0, 1)")) << r.output;
  r = test::run_d2l("train vit " + data + "--mask-ratio 0.5");
  EXPECT_TRUE(contains(r.output, "are for MAE pre-training")) << r.output;
  r = test::run_d2l("train lenet " + data + "--patch-size 4");
  EXPECT_TRUE(contains(r.output, "--patch-size is for vision transformers")) << r.output;
  r = test::run_d2l("train vit " + data + "--resize 30 --patch-size 4");
  EXPECT_TRUE(contains(r.output, "image size 30 is not a multiple of the patch size 4")) << r.output;
  r = test::run_d2l("export " + pretrain().string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "does not export to TorchScript")) << r.output;
}
