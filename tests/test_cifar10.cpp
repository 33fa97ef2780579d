// CIFAR-10's binary batches: the record layout, corrupt files, and training on them.
#include <gtest/gtest.h>

#include <fstream>

#include "data/cifar10.h"
#include "tests/helpers.h"

namespace d2l::test {
namespace {
namespace fs = std::filesystem;

// n records whose label is i % 10 and whose pixels are: red = label, green = 100 + i % 100,
// blue = 200; pixel (0, 1) of the red plane is 7 as a marker of the byte order.
std::string records(int n) {
  std::string bytes;
  for (int i = 0; i < n; ++i) {
    bytes += static_cast<char>(i % 10);
    std::string red(1024, static_cast<char>(i % 10));
    red[1] = 7;
    bytes += red + std::string(1024, static_cast<char>(100 + i % 100)) + std::string(1024, static_cast<char>(200));
  }
  return bytes;
}

void write_fake_cifar10(const fs::path& dir, int per_batch, int n_test) {
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b) std::ofstream(dir / ("data_batch_" + std::to_string(b) + ".bin"), std::ios::binary) << records(per_batch);
  std::ofstream(dir / "test_batch.bin", std::ios::binary) << records(n_test);
}

TEST(Cifar10, RecordsAreLabelThenRedGreenBluePlanes) {
  TempDir tmp;
  std::ofstream(tmp / "batch.bin", std::ios::binary) << records(12);
  const auto batch = data::read_cifar10_batch(tmp / "batch.bin");
  EXPECT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{12, 3, 32, 32}));
  EXPECT_EQ(batch.inputs.scalar_type(), torch::kUInt8);
  EXPECT_EQ(batch.targets[11].item<int64_t>(), 1);
  EXPECT_EQ(batch.inputs[11][0][0][0].item<int>(), 1);    // red
  EXPECT_EQ(batch.inputs[11][0][0][1].item<int>(), 7);    // row 0, column 1
  EXPECT_EQ(batch.inputs[11][1][31][31].item<int>(), 111);  // green
  EXPECT_EQ(batch.inputs[11][2][5][5].item<int>(), 200);    // blue
}

TEST(Cifar10, TruncatedFileAndBadLabelAreNamed) {
  TempDir tmp;
  std::ofstream(tmp / "short.bin", std::ios::binary) << records(2).substr(0, 5000);
  EXPECT_TRUE(throws_with([&] { data::read_cifar10_batch(tmp / "short.bin"); },
                          "short.bin: 5000 bytes is not a whole number of 3073-byte CIFAR-10 records"));
  auto bad = records(3);
  bad[2 * 3073] = 10;
  std::ofstream(tmp / "label.bin", std::ios::binary) << bad;
  EXPECT_TRUE(throws_with([&] { data::read_cifar10_batch(tmp / "label.bin"); },
                          "label.bin: record 2 has label 10; CIFAR-10 labels are 0..9"));
}

TEST(Cifar10, DataModuleJoinsTheFiveTrainingBatches) {
  TempDir tmp;
  write_fake_cifar10(tmp / "cifar-10-batches-bin", 20, 30);
  const auto dm = data::cifar10(data::CIFAR10Options().data_dir(tmp.path()));
  EXPECT_EQ(dm.train.size(), 100);
  EXPECT_EQ(dm.val.size(), 30);
  EXPECT_EQ(dm.class_names.front(), "airplane");
  EXPECT_EQ(dm.class_names.back(), "truck");
}

TEST(Cifar10, CnnAndViTTrainOnItFromTheCommandLine) {
  TempDir tmp;
  write_fake_cifar10(tmp / "cifar-10-batches-bin", 40, 40);
  for (const std::string model : {"lenet", "vit"}) {
    const auto run = tmp / ("run-" + model);
    const auto r = run_d2l("train " + model + " --data cifar10 --data-dir " + tmp.path().string() +
                           " --epochs 1 --batch-size 50 --threads 1 --quiet --out " + run.string());
    ASSERT_EQ(r.exit_code, 0) << model << ": " << r.output;
    EXPECT_TRUE(fs::exists(run / "checkpoints" / "last.pt")) << model;
  }
}

}  // namespace
}  // namespace d2l::test
