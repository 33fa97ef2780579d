// CycleGAN end to end at 32 x 32: the unpaired data set (its folders, mixed sizes, unreadable
// files, missing domains), a smoke run on the generated Fashion-MNIST domains, and the CLI.
#include <gtest/gtest.h>

#include <fstream>

#include "apps/experiment.h"
#include "data/image.h"
#include "data/unpaired_images.h"
#include "tests/helpers.h"
#include "train/plot.h"

using namespace d2l;
using test::throws_with;

namespace {

// ROOT/{trainA,trainB,testA,testB} of small images of mixed sizes: dark A, bright B.
void write_domains(const std::filesystem::path& root, int n) {
  for (const auto* split : {"trainA", "trainB", "testA", "testB"}) {
    std::filesystem::create_directories(root / split);
    const bool bright = std::string(split).back() == 'B';
    for (int i = 0; i < n; ++i) {
      const int64_t side = 20 + 4 * (i % 3);  // mixed sizes
      train::save_image(root / split / (std::to_string(i) + ".png"),
                        torch::rand({3, side, side}) * 0.3 + (bright ? 0.6 : 0.1));
    }
  }
}

}  // namespace

TEST(CycleGanData, UnpairedFoldersAreReadResizedCroppedAndPairedAtRandomEachEpoch) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  write_domains(dir.path(), 6);
  std::ofstream(dir / "trainA/broken.jpg") << "not an image";  // skipped with a warning
  const auto dm = data::unpaired_images(data::UnpairedImagesOptions(dir.path()).image_size(16).load_size(20));
  EXPECT_EQ(dm.train.inputs.sizes(), (std::vector<int64_t>{6, 3, 16, 16}));
  EXPECT_EQ(dm.train.targets.sizes(), (std::vector<int64_t>{6, 3, 16, 16}));
  EXPECT_EQ(dm.val.inputs.size(0), 6);
  EXPECT_GT(dm.train.targets.to(torch::kFloat32).mean().item<double>(), dm.train.inputs.to(torch::kFloat32).mean().item<double>());
  EXPECT_FALSE(torch::equal(dm.train_for_epoch(1, 1, 0).targets, dm.train_for_epoch(2, 1, 0).targets));
  EXPECT_FALSE(torch::equal(dm.train_for_epoch(1, 1, 0).inputs, dm.train_for_epoch(2, 1, 0).inputs));  // crops, flips
  EXPECT_TRUE(torch::equal(dm.train_for_epoch(1, 1, 0).targets, dm.train_for_epoch(1, 1, 0).targets));
  std::string message;
  std::filesystem::remove_all(dir / "trainB");
  EXPECT_TRUE(throws_with([&] { data::unpaired_images(data::UnpairedImagesOptions(dir.path())); }, "trainB: no such folder",
                          &message)) << message;
  std::filesystem::create_directories(dir / "trainB");
  EXPECT_TRUE(throws_with([&] { data::unpaired_images(data::UnpairedImagesOptions(dir.path())); }, "trainB: no image files",
                          &message)) << message;
  std::ofstream(dir / "trainB/bad.png") << "garbage";
  EXPECT_TRUE(throws_with([&] { data::unpaired_images(data::UnpairedImagesOptions(dir.path())); },
                          "none of its 1 image files could be read", &message)) << message;
}

TEST(CycleGanRun, SmokeRunAt32WritesTranslationsAndTheCliUsesThem) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  test::write_fake_mnist(dir / "data", 64, 16);
  auto c = test::quick_run("cyclegan", "fashion-shoes");
  c.data_dir = (dir / "data").string();
  c.limit_train = 4;
  c.limit_test = 2;
  c.epochs = 2;
  c.out = (dir / "run").string();
  const auto run = apps::run_training(c);
  const auto& rows = run.result.history.rows;
  ASSERT_EQ(rows.size(), 2u);
  for (const auto* name : {"train_loss_G", "train_loss_D_A", "train_loss_D_B", "train_loss_cycle", "test_cycle_A"})
    EXPECT_TRUE(std::isfinite(rows.back().at(name))) << name;
  EXPECT_DOUBLE_EQ(rows[0].at("lr"), 2e-4);  // constant, then the second half decays
  EXPECT_DOUBLE_EQ(rows[1].at("lr"), 2e-4 * (1 - 1.0 / 2));
  EXPECT_TRUE(std::filesystem::exists(dir / "run/samples.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "data/fashion-shoes/trainA/0.png"));  // the generated domains

  const auto image = (dir / "data/fashion-shoes/testA/0.png").string();
  auto t = test::run_d2l("translate-image " + (dir / "run").string() + " " + image + " --direction AtoB --out " +
                         (dir / "translated").string(), "D2L_DATA=" + (dir / "data").string());
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "translated/0.png"));
  auto bad = test::run_d2l("translate-image " + (dir / "run").string() + " " + image + " --direction sideways --out " +
                           (dir / "x").string(), "D2L_DATA=" + (dir / "data").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("expected AtoB or BtoA"), std::string::npos) << bad.output;
}
