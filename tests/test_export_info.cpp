// The metadata inside an exported model (apps/export_info.h): written and read back unchanged,
// a damaged file refused with the key that is wrong (predict and inspect never use it), and the
// preprocessing it describes applied to an image as the data set applies it.
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <fstream>
#include <regex>

#include "apps/export_info.h"
#include "tests/helpers.h"
#include "train/torchscript.h"

using namespace d2l;

namespace {

apps::ExportInfo classifier_info() {
  apps::ExportInfo info;
  info.model = "tv-resnet18";
  info.title = "ResNet-18";
  info.section = "14.2";
  info.input_shape = {3, 32, 32};
  info.stored_shape = {1, 28, 28};
  info.transform.resize = 36;
  info.transform.crop = 32;
  info.transform.channels = 3;
  info.transform.mean = {0.485, 0.456, 0.406};
  info.transform.std = {0.229, 0.224, 0.225};
  info.class_names = {"t-shirt", "trouser"};
  info.metrics = {{"test_acc", 0.8125}};
  info.traced_batch = 4;
  return info;
}

// The metadata of classifier_info() with `pattern` (a regular expression) replaced.
std::string damaged(const std::string& pattern, const std::string& replacement) {
  const auto text = apps::to_toml(classifier_info());
  auto out = std::regex_replace(text, std::regex(pattern), replacement);
  EXPECT_NE(out, text) << pattern << " is not in\n" << text;
  return out;
}

}  // namespace

TEST(ExportInfo, RoundTripsThroughToml) {
  const auto info = apps::parse_export_info(apps::to_toml(classifier_info()), "d2l.toml");
  const auto expected = classifier_info();
  EXPECT_EQ(info.model, expected.model);
  EXPECT_EQ(info.section, expected.section);
  EXPECT_EQ(info.input_shape, expected.input_shape);
  EXPECT_EQ(info.stored_shape, expected.stored_shape);
  EXPECT_EQ(info.transform.resize, 36);
  EXPECT_EQ(info.transform.crop, 32);
  EXPECT_EQ(info.transform.channels, 3);
  EXPECT_EQ(info.transform.mean, expected.transform.mean);
  EXPECT_EQ(info.transform.std, expected.transform.std);
  EXPECT_EQ(info.class_names, expected.class_names);
  EXPECT_EQ(info.metrics, expected.metrics);
  EXPECT_EQ(info.traced_batch, 4);

  apps::ExportInfo lm;
  lm.model = "gru";
  lm.input_shape = lm.stored_shape = {35};
  lm.vocab = {"<unk>", " ", "e", "t"};
  lm.tokens = "char";
  const auto parsed = apps::parse_export_info(apps::to_toml(lm), "d2l.toml");
  EXPECT_EQ(parsed.vocab, lm.vocab);
  EXPECT_EQ(parsed.tokens, "char");
}

TEST(ExportInfo, DamagedMetadataIsRefusedNamingTheKey) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"format = '[^']*'", "format = 'd2l-torchscript 9'", "format is 'd2l-torchscript 9'"},
      {"model = 'tv-resnet18'", "model = ''", "metadata without a model name"},
      {"model = 'tv-resnet18'", "model = 7", "model has the wrong type"},
      {"input_shape = \\[[^\\]]*\\]", "input_shape = [ 3, -32, 32 ]", "input_shape has dimension -32"},
      {"input_shape = \\[[^\\]]*\\]", "input_shape = [ 3, 'x', 32 ]", "input_shape holds an item of the wrong type"},
      {"input_shape = \\[[^\\]]*\\]", "input_shape = [ 1000000, 1000000 ]", "input_shape describes more than"},
      {"input_shape = \\[[^\\]]*\\]", "input_shape = 3", "input_shape must be an array"},
      {"traced_batch = 4", "traced_batch = 0", "traced_batch must be between 1 and"},
      {"stored_shape = \\[[^\\]]*\\]", "stored_shape = [ 2, 28, 28 ]", "stored_shape has 2 channels"},
      {"stored_shape = \\[[^\\]]*\\]", "stored_shape = [ 28 ]", "preprocessing transforms images, but stored_shape"},
      {"resize = 36", "resize = -1", "preprocessing.resize is -1"},
      {"crop = 32", "crop = 40", "preprocessing.crop 40 is larger than the image"},
      {"channels = 3", "channels = 2", "preprocessing.channels is 2"},
      {"std = \\[[^\\]]*\\]", "std = [ 0.229, 0.0, 0.225 ]", "preprocessing.std holds a value that is not positive"},
      {"std = \\[[^\\]]*\\]", "std = [ 0.229, nan, 0.225 ]", "preprocessing.std holds a value that is not positive"},
      {"std = \\[[^\\]]*\\]", "std = [ 0.229 ]", "preprocessing.mean and preprocessing.std differ in length"},
      {"mean = \\[[^\\]]*\\]\n", "mean = [ 0.5 ]\n", "preprocessing.mean and preprocessing.std differ"},
      {"tokens = ''", "tokens = 'byte'", "tokens is 'byte'"},
      {"tokens = ''", "tokens = 'char'", "vocab and tokens must be given together"},
      {"classes = \\[", "classes = [ 1, ", "classes holds an item of the wrong type"},
      {"\\[preprocessing\\]", "[preprocessing\n", "damaged metadata ("},
  };
  for (const auto& [pattern, replacement, message] : cases) {
    SCOPED_TRACE(replacement);
    const auto text = damaged(pattern, replacement);
    std::string what;
    EXPECT_TRUE(test::throws_with([&] { apps::parse_export_info(text, "model.pt"); }, message, &what)) << what;
    EXPECT_EQ(what.rfind("model.pt: ", 0), 0u) << what;
  }
  // A gray model's statistics are per channel too.
  auto gray = classifier_info();
  gray.transform.channels = 0;
  gray.transform.mean = gray.transform.std = {0.5, 0.5};
  EXPECT_TRUE(test::throws_with([&] { apps::parse_export_info(apps::to_toml(gray), "model.pt"); },
                                "preprocessing.mean has 2 values for 1 channels"));
}

TEST(ExportInfo, PrepareImageAppliesTheDataSetsTransform) {
  const auto info = classifier_info();
  const auto image = torch::randint(256, {1, 1, 28, 28}, torch::kUInt8);
  // At the stored size there is nothing to resize: exactly the data set's transform.
  EXPECT_TRUE(torch::equal(apps::prepare_image(image, info.stored_shape, info.transform), info.transform(image)));
  const auto X = apps::prepare_image(torch::randint(256, {1, 1, 50, 40}, torch::kUInt8), info.stored_shape, info.transform);
  EXPECT_EQ(X.sizes(), (std::vector<int64_t>{1, 3, 32, 32}));
  EXPECT_THROW(apps::prepare_image(image, {35}, info.transform), std::invalid_argument);
}

TEST(ExportInfo, PredictAndInspectRefuseAnExportWithDamagedMetadata) {
  test::TempDir dir;
  torch::nn::Linear net(28 * 28, 2);
  const auto file = dir / "model.pt";
  auto module = train::trace_to_torchscript(
      *net, [&](const torch::Tensor& X) { return net(X.flatten(1)); }, torch::rand({1, 1, 28, 28}));
  train::save_torchscript(module, file, {{"d2l.toml", damaged("std = \\[[^\\]]*\\]", "std = [ -1.0 ]")},
                                         {"config.toml", "model = 'x'\n"}});
  const auto image = dir / "image.pgm";
  std::ofstream(image, std::ios::binary) << "P5\n28 28\n255\n" << std::string(28 * 28, '\x80');
  for (const auto* command : {"predict ", "inspect "}) {
    const auto r = test::run_d2l(command + file.string() + (command[0] == 'p' ? " " + image.string() : ""));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("model.pt: damaged metadata: preprocessing."), std::string::npos) << r.output;
  }
}
