// Data look-up, the Fashion-MNIST module and the minibatch loader.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "data/fashion_mnist.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/image_folder.h"
#include "data/loader.h"
#include "data/locate.h"
#include "data/synthetic_regression.h"
#include "tests/helpers.h"

using namespace d2l::data;
using d2l::test::TempDir;

namespace {

TensorDataset numbered(int64_t n) {
  return {torch::arange(n, torch::kFloat32).reshape({n, 1}), torch::arange(n, torch::kInt64)};
}

std::vector<int64_t> order_of(DataLoader& loader) {
  std::vector<int64_t> order;
  for (const auto& batch : loader)
    for (int64_t i = 0; i < batch.y.size(0); ++i) order.push_back(batch.y[i].item<int64_t>());
  return order;
}

}  // namespace

TEST(Loader, SameSeedAndEpochGiveSameOrder) {
  DataLoader a(numbered(100), {}, LoaderOptions().batch_size(7).shuffle(true).seed(3));
  DataLoader b(numbered(100), {}, LoaderOptions().batch_size(7).shuffle(true).seed(3));
  a.set_epoch(4);
  b.set_epoch(4);
  EXPECT_EQ(order_of(a), order_of(b));
}

TEST(Loader, EpochsAndSeedsChangeTheOrderButCoverEveryExample) {
  DataLoader loader(numbered(100), {}, LoaderOptions().batch_size(10).shuffle(true).seed(3));
  const auto first = order_of(loader);
  loader.set_epoch(1);
  const auto second = order_of(loader);
  EXPECT_NE(first, second);
  auto sorted = second;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  DataLoader other_seed(numbered(100), {}, LoaderOptions().batch_size(10).shuffle(true).seed(4));
  EXPECT_NE(order_of(other_seed), first);
}

TEST(Loader, OrderDoesNotDependOnGlobalRandomState) {
  DataLoader loader(numbered(50), {}, LoaderOptions().batch_size(5).shuffle(true).seed(1));
  torch::manual_seed(1);
  loader.set_epoch(2);
  const auto a = order_of(loader);
  torch::manual_seed(999);
  loader.set_epoch(2);
  EXPECT_EQ(order_of(loader), a);
}

TEST(Loader, WithoutShuffleKeepsFileOrderAndLastShortBatch) {
  DataLoader loader(numbered(10), {}, LoaderOptions().batch_size(4));
  EXPECT_EQ(loader.num_batches(), 3);
  EXPECT_EQ(loader.batch(2).y.size(0), 2);
  EXPECT_EQ(order_of(loader), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Loader, DropLastDropsTheShortBatch) {
  DataLoader loader(numbered(10), {}, LoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(loader.num_batches(), 2);
  EXPECT_EQ(loader.num_examples(), 8);
}

TEST(Loader, RejectsZeroBatchSize) {
  EXPECT_THROW(DataLoader(numbered(10), {}, LoaderOptions().batch_size(0)), std::invalid_argument);
}

TEST(Transform, ImagesBecomeFloatChannelsInUnitRange) {
  Transform transform;
  const auto X = transform(torch::full({3, 28, 28}, 255, torch::kUInt8));
  EXPECT_EQ(X.sizes(), (std::vector<int64_t>{3, 1, 28, 28}));
  EXPECT_EQ(X.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(X.max().item<float>(), 1.0f);
  // Every byte value gives exactly torchvision's ToTensor value, float(x) / 255.
  const auto bytes = torch::arange(256, torch::kInt64).to(torch::kUInt8).view({1, 16, 16});
  EXPECT_TRUE(torch::equal(transform(bytes).flatten(), bytes.flatten().to(torch::kFloat32).div(255.0)));
}

TEST(Transform, NormalisesEachChannelWithItsOwnStatistics) {
  Transform transform;
  transform.channels = 3;
  transform.mean = {0.485, 0.456, 0.406};
  transform.std = {0.229, 0.224, 0.225};
  const auto gray = torch::randint(0, 256, {2, 8, 8}, torch::kInt64).to(torch::kUInt8);
  const auto X = transform(gray);
  const auto unit = gray.to(torch::kFloat32).div(255.0).unsqueeze(1).expand({-1, 3, -1, -1});
  const auto mean = torch::tensor({0.485, 0.456, 0.406}, torch::kFloat32).view({1, 3, 1, 1});
  const auto std = torch::tensor({0.229, 0.224, 0.225}, torch::kFloat32).view({1, 3, 1, 1});
  EXPECT_TRUE(torch::allclose(X, (unit - mean) / std, 1e-6, 1e-6));
}

TEST(Transform, ResizesBilinearlyAndNormalises) {
  Transform transform;
  transform.resize = 56;
  transform.mean = {0.5};
  transform.std = {0.25};
  const auto X = transform(torch::full({2, 28, 28}, 255, torch::kUInt8));
  EXPECT_EQ(X.sizes(), (std::vector<int64_t>{2, 1, 56, 56}));
  EXPECT_NEAR(X.mean().item<float>(), (1.0 - 0.5) / 0.25, 1e-5);
}

TEST(Locate, SearchesDataDirThenEnvThenCacheThenSystem) {
  setenv("D2L_DATA", "/env-data", 1);
  setenv("HOME", "/home/user", 1);
  const DataSource source{"fashion-mnist", {"f"}, {"/usr/share/datasets/fashion-mnist"}, "get it"};
  const auto dirs = search_path(source, std::filesystem::path("/mine"));
  const std::vector<std::filesystem::path> expected = {"/mine/fashion-mnist",
                                                       "/mine",
                                                       "/env-data/fashion-mnist",
                                                       "/env-data",
                                                       "/home/user/.cache/d2l/fashion-mnist",
                                                       "/home/user/.cache/d2l",
                                                       "/usr/share/datasets/fashion-mnist"};
  EXPECT_EQ(dirs, expected);
  unsetenv("D2L_DATA");
}

TEST(Locate, MissingDataNamesEveryFolderAndHowToGetIt) {
  TempDir dir;
  setenv("HOME", dir.path().c_str(), 1);
  unsetenv("D2L_DATA");
  const DataSource source{"nothing", {"a-file"}, {"/nonexistent/system"}, "apt-get install something"};
  try {
    locate(source, dir / "given");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find((dir / "given" / "nothing").string()), std::string::npos) << message;
    EXPECT_NE(message.find("/nonexistent/system"), std::string::npos) << message;
    EXPECT_NE(message.find("apt-get install something"), std::string::npos) << message;
  }
}

TEST(FashionMNIST, LoadsIdxFilesFromDataDirWithLimits) {
  TempDir dir;
  d2l::test::write_fake_mnist(dir / "fashion-mnist", 50, 20);
  const auto dm = fashion_mnist(MNISTOptions().data_dir(dir.path()).limit_train(30));
  EXPECT_EQ(dm.train.size(), 30);
  EXPECT_EQ(dm.val.size(), 20);
  EXPECT_EQ(dm.train.inputs.sizes(), (std::vector<int64_t>{30, 28, 28}));
  EXPECT_EQ(dm.train.targets.scalar_type(), torch::kInt64);
  EXPECT_EQ(dm.class_names.size(), 10u);
  EXPECT_EQ(dm.class_names[9], "ankle boot");
}

TEST(FashionMNIST, LabelCountMismatchIsAnError) {
  TempDir dir;
  d2l::test::write_fake_mnist(dir.path(), 50, 20);
  write_idx(dir / "t10k-labels-idx1-ubyte.gz", torch::zeros({19}, torch::kUInt8));
  try {
    fashion_mnist(MNISTOptions().data_dir(dir.path()));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("19 labels for 20 images"), std::string::npos) << e.what();
  }
}

TEST(SyntheticRegression, FollowsTheBookFormula) {
  const auto dm = synthetic_regression(SyntheticRegressionOptions().noise(0.0).num_train(5).num_val(3));
  EXPECT_EQ(dm.train.size(), 5);
  EXPECT_EQ(dm.val.size(), 3);
  const auto X = dm.train.inputs;
  const auto expected = X.select(1, 0) * 2.0 - X.select(1, 1) * 3.4 + 4.2;
  EXPECT_TRUE(torch::allclose(dm.train.targets.squeeze(1), expected, 1e-5, 1e-5));
}

// ---- Transforms and augmentation ----

TEST(Transform, CentreCropTakesTheMiddle) {
  Transform t;
  t.crop = 2;
  const auto X = torch::arange(16, torch::kFloat32).reshape({1, 1, 4, 4});
  EXPECT_TRUE(torch::equal(t(X), torch::tensor({5.0f, 6.0f, 9.0f, 10.0f}).reshape({1, 1, 2, 2})));
}

TEST(Transform, AugmentationIsRandomPerExampleButReproducible) {
  Transform t;
  t.random_resized_crop = 8;
  t.horizontal_flip = true;
  const auto X = torch::rand({6, 3, 20, 30});
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(5), g2 = at::make_generator<at::CPUGeneratorImpl>(5);
  const auto A = t(X, &g1), B = t(X, &g2);
  EXPECT_EQ(A.sizes(), (std::vector<int64_t>{6, 3, 8, 8}));
  EXPECT_TRUE(torch::equal(A, B));  // same seed, same crops and flips
  EXPECT_FALSE(torch::equal(A[0], A[1]));
  EXPECT_EQ(t(X).sizes(), (std::vector<int64_t>{6, 3, 20, 30}));  // no generator: no augmentation
}

TEST(Transform, GrayImagesRepeatToThreeChannels) {
  Transform t;
  t.channels = 3;
  const auto Y = t(torch::full({2, 5, 5}, 255, torch::kUInt8));
  EXPECT_EQ(Y.sizes(), (std::vector<int64_t>{2, 3, 5, 5}));
  EXPECT_EQ(Y.min().item<float>(), 1.0f);
}

TEST(DataLoader, TrainingAugmentationDependsOnlyOnSeedEpochAndBatch) {
  Transform t;
  t.random_resized_crop = 4;
  TensorDataset data{torch::rand({8, 1, 10, 10}), torch::zeros({8}, torch::kInt64)};
  DataLoader a(data, t, LoaderOptions().batch_size(4).augment(true).seed(1));
  DataLoader b(data, t, LoaderOptions().batch_size(4).augment(true).seed(1));
  a.set_epoch(3);
  b.set_epoch(3);
  EXPECT_TRUE(torch::equal(a.batch(1).X, b.batch(1).X));
  b.set_epoch(4);
  EXPECT_FALSE(torch::equal(a.batch(1).X, b.batch(1).X));
}

// ---- Image folders ----

TEST(ImageFolder, ListsClassesAndFilesInNameOrder) {
  TempDir dir;
  d2l::test::write_image_folder(dir.path(), 3, 2);
  const auto files = list_image_files(dir / "train");
  EXPECT_EQ(files.classes, (std::vector<std::string>{"hotdog", "not-hotdog"}));
  ASSERT_EQ(files.files.size(), 6u);
  EXPECT_EQ(files.files[0].filename(), "0.ppm");
  EXPECT_EQ(files.labels, (std::vector<int64_t>{0, 0, 0, 1, 1, 1}));
}

TEST(ImageFolder, DecodesEverySplitWithImageNetTransforms) {
  if (!can_read_images()) GTEST_SKIP() << "built without OpenCV";
  TempDir dir;
  d2l::test::write_image_folder(dir.path(), 4, 2);
  const auto dm = image_folder(ImageFolderOptions(dir.path()).image_size(32));
  EXPECT_EQ(dm.train.inputs.sizes(), (std::vector<int64_t>{8, 3, 36, 36}));  // 32 * 256 / 224
  EXPECT_EQ(dm.val.size(), 4);
  const auto batch = dm.val_loader(4).batch(0);
  EXPECT_EQ(batch.X.sizes(), (std::vector<int64_t>{4, 3, 32, 32}));
  // Hot dogs are red: after ImageNet normalisation their red channel is well above blue.
  EXPECT_GT((batch.X[0][0] - batch.X[0][2]).mean().item<double>(), 1.0);
  EXPECT_EQ(dm.train_loader(8, 0).batch(0).X.sizes(), (std::vector<int64_t>{8, 3, 32, 32}));
}

TEST(ImageFolder, MissingSplitsAndEmptyClassesAreClearErrors) {
  TempDir dir;
  std::filesystem::create_directories(dir / "train" / "cat");
  try {
    list_image_files(dir / "train");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cat: no image files"), std::string::npos) << e.what();
  }
  if (!can_read_images()) return;
  try {
    image_folder(ImageFolderOptions(dir.path()));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no test/ folder"), std::string::npos) << e.what();
  }
}
