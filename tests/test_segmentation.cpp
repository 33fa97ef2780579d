// Semantic segmentation (d2l 14.9-14.11): the bilinear kernel, transposed-convolution shapes, the
// VOC colour map and palette PNGs, pixel accuracy and mean IoU on hand-made masks, the VOC
// reader's errors, and an FCN that learns the generated VOC-layout set.
#include <gtest/gtest.h>
#include <torch/nn/functional/upsampling.h>

#include <filesystem>
#include <fstream>

#include "apps/experiment.h"
#include "data/image.h"
#include "data/voc.h"
#include "models/fcn.h"
#include "models/unet.h"
#include "tests/helpers.h"
#include "train/tasks/segmentation.h"
#include "train/weights/state_dict.h"

using namespace d2l;
using test::throws_with;

namespace {

// Parameters and buffer elements of a registered model on its default data set.
std::pair<int64_t, int64_t> registered_sizes(const std::string& name) {
  const auto& spec = apps::find_model(name);
  auto model = spec.make(apps::default_args(spec).value());
  int64_t buffers = 0;
  for (const auto& b : model.ptr()->buffers()) buffers += b.numel();
  return {apps::count_parameters(*model.ptr()), buffers};
}

}  // namespace

TEST(Segmentation, BilinearKernelIsTheTentFunctionOnTheDiagonal) {
  // k = 4: factor 2, centre 1.5, tent [0.25, 0.75, 0.75, 0.25].
  const auto w = models::bilinear_kernel(3, 3, 4);
  const auto tent = torch::tensor({0.25f, 0.75f, 0.75f, 0.25f});
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{3, 3, 4, 4}));
  EXPECT_TRUE(torch::allclose(w[1][1], tent.view({-1, 1}) * tent.view({1, -1})));
  EXPECT_TRUE(w[0][1].eq(0).all().item<bool>());  // channel i only feeds channel i
  // k = 3 (odd): centre 1, tent [0.5, 1, 0.5].
  EXPECT_TRUE(torch::allclose(models::bilinear_kernel(1, 1, 3)[0][0][1], torch::tensor({0.5f, 1.0f, 0.5f})));
}

TEST(Segmentation, TransposedConvolutionWithTheKernelUpsamplesBilinearly) {
  // Stride 2, kernel 4, padding 1 doubles the size; inside the border it equals bilinear
  // interpolation (align_corners = false); at the border it pads with zeros instead of clamping.
  torch::manual_seed(0);
  const auto X = torch::rand({1, 3, 5, 7});
  const auto Y = torch::conv_transpose2d(X, models::bilinear_kernel(3, 3, 4), {}, 2, 1);
  namespace F = torch::nn::functional;
  const auto expected = F::interpolate(
      X, F::InterpolateFuncOptions().size(std::vector<int64_t>{10, 14}).mode(torch::kBilinear).align_corners(false));
  ASSERT_EQ(Y.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(Y.slice(2, 1, -1).slice(3, 1, -1), expected.slice(2, 1, -1).slice(3, 1, -1), 1e-5, 1e-5));
}

TEST(Segmentation, FcnOutputHasTheInputsSizeAndAScorePerClass) {
  // The book's settings: 320 x 480 -> a 10 x 15 feature map -> kernel 64, stride 32, padding 16.
  torch::nn::ConvTranspose2d up(torch::nn::ConvTranspose2dOptions(21, 21, 64).padding(16).stride(32));
  EXPECT_EQ(up(torch::rand({1, 21, 10, 15})).sizes(), (std::vector<int64_t>{1, 21, 320, 480}));
  models::FCN net(models::FCNOptions().num_classes(5));
  net->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(net(torch::rand({2, 3, 64, 96})).sizes(), (std::vector<int64_t>{2, 5, 64, 96}));
  EXPECT_TRUE(torch::equal(net->transpose_conv->weight, models::bilinear_kernel(5, 5, 64)));
  const auto params = net->named_parameters();
  for (const auto* name : {"conv1.weight", "bn1.weight", "layer4.1.conv2.weight", "final_conv.weight", "transpose_conv.weight"})
    EXPECT_TRUE(params.contains(name)) << name;
  EXPECT_FALSE(params.contains("fc.weight"));
}

TEST(Segmentation, RegisteredFcnHasTheBooksSize) {
  // The book's net: resnet18's children but the last two, final_conv, transpose_conv; counted in
  // Python (torchvision 0.14): 12,993,642 parameters, 9,620 buffer elements.
  EXPECT_EQ(registered_sizes("fcn"), (std::pair<int64_t, int64_t>{12993642, 9620}));
}

TEST(Segmentation, UNetKeepsTheInputSizeAndRefusesSidesThePoolingsDoNotDivide) {
  // Counted in Python on the same layers (double convolutions without bias, batch norm, 2 x 2
  // transposed convolutions, 1 x 1 head): 1,927,669 parameters, 2,830 buffer elements.
  EXPECT_EQ(registered_sizes("unet"), (std::pair<int64_t, int64_t>{1927669, 2830}));
  models::UNet net(models::UNetOptions().num_classes(4));
  net->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(net(torch::rand({2, 3, 32, 48})).sizes(), (std::vector<int64_t>{2, 4, 32, 48}));
  EXPECT_TRUE(throws_with([&] { net(torch::rand({1, 3, 30, 48})); }, "30 x 48 input is not a multiple of 8"));
}

TEST(Segmentation, ColourMapRoundTripsAndUnknownColoursAreIgnoredAndReported) {
  auto labels = torch::randint(0, 21, {6, 8}, torch::kInt64);
  labels[0][0] = data::kIgnoreLabel;  // VOC's void border
  const auto rgb = data::voc_colorize(labels);
  EXPECT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 6, 8}));
  EXPECT_EQ(rgb[0][0][0].item<int64_t>(), 224);  // (224, 224, 192)
  auto decoded = data::voc_label_indices(rgb);
  EXPECT_TRUE(decoded.labels.equal(labels));
  EXPECT_TRUE(decoded.unknown.empty());
  auto odd = rgb.clone();
  odd.select(1, 2).select(1, 3).copy_(torch::tensor({1, 2, 3}, torch::kUInt8));
  decoded = data::voc_label_indices(odd);
  EXPECT_EQ(decoded.labels[2][3].item<int64_t>(), data::kIgnoreLabel);
  ASSERT_EQ(decoded.unknown.size(), 1u);
  EXPECT_EQ(decoded.unknown[0], (std::array<uint8_t, 3>{1, 2, 3}));
}

TEST(Segmentation, PalettePngsReadBackAsTheirClasses) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  auto labels = torch::randint(0, 21, {9, 13}, torch::kInt64);
  labels[4][4] = data::kIgnoreLabel;
  data::write_palette_png(dir / "mask.png", labels);
  std::ifstream in(dir / "mask.png", std::ios::binary);
  std::string head(26, '\0');
  in.read(head.data(), 26);
  EXPECT_EQ(head[25], 3);  // IHDR colour type 3: palette indices, as VOC's masks
  EXPECT_TRUE(data::voc_label_indices(data::read_image(dir / "mask.png", 3)).labels.equal(labels));
}

TEST(Segmentation, MeanIouAndPixelAccuracyOnHandMadeMasks) {
  // Labels [[0, 1], [0, 255]], predictions [[0, 1], [1, 1]]: three valid pixels, two right.
  const auto labels = torch::tensor({{0, 1}, {0, 255}}, torch::kInt64), predicted = torch::tensor({{0, 1}, {1, 1}}, torch::kInt64);
  const auto [intersection, union_] = train::intersection_and_union(predicted, labels, 3);
  EXPECT_TRUE(intersection.equal(torch::tensor({1, 1, 0}, torch::kInt64)));
  EXPECT_TRUE(union_.equal(torch::tensor({2, 2, 0}, torch::kInt64)));
  EXPECT_DOUBLE_EQ(train::mean_iou(intersection, union_), 0.5);  // class 2 appears nowhere: left out

  // Through the task: one image of 2 classes whose scores say "predicted".
  auto net = torch::nn::AnyModule(torch::nn::Functional([](const torch::Tensor& X) { return X; }));
  train::SegmentationTask task(net, 2);
  const auto scores = torch::stack({predicted.eq(0), predicted.eq(1)}).unsqueeze(0).to(torch::kFloat32);
  train::MetricAccumulator metrics;
  metrics.add(task.validation_step({scores, labels.unsqueeze(0)}));
  auto means = metrics.means();
  task.derive_metrics(means);
  EXPECT_NEAR(means.at("test_acc"), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(means.at("test_miou"), 0.5, 1e-12);
  EXPECT_EQ(means.count("iou_inter_0"), 0u);  // the sums behind it are not reported
}

TEST(Segmentation, VocReaderCropsFiltersAndNamesWhatIsWrong) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  data::write_voc_shapes(dir.path(), 6, 3, 1, 40, 60);
  auto dm = data::voc_segmentation(data::VOCOptions(dir.path()).crop_height(32).crop_width(32));
  EXPECT_EQ(dm.train.inputs.sizes(), (std::vector<int64_t>{6, 3, 32, 32}));
  EXPECT_EQ(dm.train.targets.sizes(), (std::vector<int64_t>{6, 32, 32}));
  EXPECT_EQ(dm.val.size(), 3);
  EXPECT_FALSE(dm.train_for_epoch(1, 2, 0).inputs.equal(dm.train_for_epoch(2, 2, 0).inputs));  // fresh crops
  EXPECT_TRUE(dm.train_for_epoch(1, 2, 0).targets.equal(dm.train_for_epoch(1, 2, 0).targets));  // reproducible
  std::string message;
  EXPECT_TRUE(throws_with([&] { data::voc_segmentation(data::VOCOptions(dir.path()).crop_height(64).crop_width(64)); },
                          "no train image is at least 64 x 64", &message)) << message;
  // A mask of another size than its image.
  data::write_palette_png(dir / "SegmentationClass/train_2.png", torch::zeros({10, 10}, torch::kInt64));
  EXPECT_TRUE(throws_with([&] { data::voc_segmentation(data::VOCOptions(dir.path()).crop_height(32).crop_width(32)); },
                          "train_2.jpg is 40 x 60 but its mask", &message)) << message;
  test::TempDir other;
  data::write_voc_shapes(other.path(), 2, 1, 1, 40, 60);
  std::filesystem::remove(other / "ImageSets/Segmentation/val.txt");
  EXPECT_TRUE(throws_with([&] { data::voc_segmentation(data::VOCOptions(other.path()).crop_height(32).crop_width(32)); },
                          "val.txt: no such split file", &message)) << message;
}

TEST(Segmentation, TorchvisionResnet18WeightsLoadIntoTheBackbone) {
  if (std::system("/usr/bin/python3 -c 'import torchvision' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3-torchvision is not installed (the README's test command installs it)";
  test::TempDir dir;
  const auto command = "/usr/bin/python3 " + (test::source_dir() / "tests/python/torchvision_interop.py").string() +
                       " export " + dir.path().string() + " tv-resnet18";
  ASSERT_EQ(std::system(command.c_str()), 0);
  models::FCN net;
  const auto report = train::weights::load_weights(*net, dir / "tv-resnet18.zip.pt", train::weights::LoadOptions().strict(false));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"fc.weight", "fc.bias"}));
  EXPECT_EQ(report.missing, (std::vector<std::string>{"final_conv.weight", "final_conv.bias", "transpose_conv.weight", "transpose_conv.bias"}));
}

TEST(Segmentation, WeightsOfAnotherNetworkAreRefusedEvenWhenNotStrict) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  train::weights::write_state_dict(dir / "vgg.pt", {{"features.0.weight", torch::zeros({64, 3, 3, 3})},
                                                   {"classifier.6.bias", torch::zeros({1000})}});
  apps::RunConfig c;
  c.model = "fcn";
  c.data = "voc-shapes";
  c.data_dir = dir.path().string();
  c.limit_train = c.limit_test = 2;
  c.quiet = true;
  c.weights = (dir / "vgg.pt").string();
  c.strict_weights = false;
  std::string message;
  EXPECT_TRUE(throws_with([&] { apps::build_experiment(c); }, "none of its tensors has a name of model 'fcn'", &message))
      << message;
}

namespace {

std::map<std::string, double> train_on_shapes(const std::string& model, const test::TempDir& dir, int64_t limit_train) {
  auto c = test::quick_run(model, "voc-shapes");
  c.data_dir = dir.path().string();
  c.epochs = 3;
  c.optimizer = "adam";
  c.lr = 0.001;
  c.limit_train = limit_train;
  c.out = (dir / "run").string();
  return apps::run_training(c).result.history.rows.back();
}

}  // namespace

TEST(Learning, UNetSegmentsTheGeneratedShapes) {
  // Measured: 3 epochs of Adam on 300 crops reach pixel accuracy ~0.99; all-background ~0.8.
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  const auto last = train_on_shapes("unet", dir, 300);
  EXPECT_GT(last.at("test_acc"), 0.9);
  EXPECT_GT(last.at("test_miou"), 0.3);
}

TEST(Learning, FcnSegmentsTheGeneratedShapesFarAboveTheBackgroundBaseline) {
  // Measured: 3 epochs of Adam (600 training crops of 64 x 96) reach test mIoU ~0.74 and pixel
  // accuracy ~0.91; predicting background everywhere scores mIoU ~0.16 (background IoU over 5 classes).
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  const auto last = train_on_shapes("fcn", dir, 0);
  EXPECT_GT(last.at("test_miou"), 0.5);
  EXPECT_GT(last.at("test_acc"), 0.85);
  // Its masks from the command line, beside their images.
  const auto r = test::run_d2l("predict " + (dir / "run").string() + " --out " + (dir / "masks").string() +
                               " --num 2 --threads 2 --data-dir " + dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("image | predicted mask (background"), std::string::npos) << r.output;
  const auto picture = data::read_image(dir / "masks" / "val-1.png", 3);
  EXPECT_EQ(picture.sizes(), (std::vector<int64_t>{3, 64 + 4, 2 * 96 + 6}));  // two tiles and 2-pixel borders
}
