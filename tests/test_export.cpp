// Every registered model exports to TorchScript and round-trips: torch::jit::load in C++ and
// torch.jit.load in Python give the C++ module's outputs at the traced batch size and another
// one, with the C++ module's parameter and buffer names and values.
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/import.h>

#include <cstdlib>
#include <map>

#include "apps/registry.h"
#include "models/layers/attention.h"
#include "tests/helpers.h"
#include "train/torchscript.h"
#include "train/weights/state_dict.h"

using namespace d2l;

namespace {

// A small input each model accepts (its default data set's, reduced where that is large).
const std::map<std::string, std::vector<int64_t>>& small_inputs() {
  static const std::map<std::string, std::vector<int64_t>> shapes = {
      {"linear-regression", {2}},    {"linear-regression-concise", {2}}, {"softmax-regression", {1, 28, 28}},
      {"mlp", {1, 28, 28}},          {"dropout-mlp", {1, 28, 28}},       {"lenet", {1, 28, 28}},
      {"bn-lenet-scratch", {1, 28, 28}}, {"bn-lenet", {1, 28, 28}},      {"alexnet", {1, 96, 96}},
      {"vgg11", {1, 32, 32}},        {"vgg11-full", {1, 32, 32}},        {"nin", {1, 96, 96}},
      {"googlenet", {1, 32, 32}},    {"resnet18", {1, 32, 32}},          {"densenet", {1, 32, 32}},
      {"tv-alexnet", {3, 64, 64}},   {"tv-vgg11", {3, 32, 32}},          {"tv-vgg11-bn", {3, 32, 32}},
      {"tv-vgg16", {3, 32, 32}},     {"tv-vgg16-bn", {3, 32, 32}},       {"tv-vgg19", {3, 32, 32}},
      {"tv-vgg19-bn", {3, 32, 32}},  {"tv-googlenet", {3, 64, 64}},      {"tv-resnet18", {3, 32, 32}},
      {"tv-resnet34", {3, 32, 32}},  {"tv-resnet50", {3, 32, 32}},       {"tv-resnext50-32x4d", {3, 32, 32}},
      {"tv-densenet121", {3, 32, 32}},  {"vit", {1, 32, 32}},
      {"swin", {1, 32, 32}},         {"tv-swin-t", {3, 224, 224}},      {"fcn", {3, 64, 96}},
      {"unet", {3, 32, 48}},         {"cyclegan", {3, 32, 32}},
      // Language models: token indices, 6 steps.
      {"rnn-scratch", {6}},          {"rnn", {6}},                       {"lstm-scratch", {6}},
      {"lstm", {6}},                 {"gru-scratch", {6}},               {"gru", {6}},
      {"deep-lstm", {6}},            {"deep-gru", {6}},                  {"stacked-rnn-scratch", {6}},
      {"bi-lstm", {6}}};
  return shapes;
}

// Translation models are left out: their greedy decoding loop does not trace; so is MAE, whose
// forward masks at random (d2l export says so for both).
std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& spec : apps::models())
    if (spec.task != apps::TaskKind::seq2seq && spec.task != apps::TaskKind::mae_pretrain &&
        spec.task != apps::TaskKind::style_transfer &&  // an image, not a network: refused in test_style_transfer.cpp
        spec.task != apps::TaskKind::gan)               // two networks: refused in test_gan.cpp
      names.push_back(spec.name);
  return names;
}

// Images or features in [0, 1), or token indices for language models.
torch::Tensor batch_of(int64_t n, const std::vector<int64_t>& shape, const apps::ModelSpec& spec) {
  std::vector<int64_t> sizes{n};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  if (spec.task == apps::TaskKind::language_model) return torch::randint(28, sizes, torch::kInt64);
  return torch::rand(sizes);
}

class TorchScriptExport : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(TorchScriptExport, RoundTripsThroughCppAndPython) {
  const auto& name = GetParam();
  ASSERT_TRUE(small_inputs().count(name)) << "add a small input for the new model " << name;
  const auto& shape = small_inputs().at(name);
  const auto& spec = apps::find_model(name);
  torch::manual_seed(1);
  auto args = apps::default_args(spec).value();
  args.input_shape = shape;
  auto model = spec.make(args);
  auto& module = *model.ptr();
  module.train();
  {
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 2; ++i) model.forward(batch_of(4, shape, spec));  // batch-norm statistics
  }
  test::TempDir dir;
  const auto file = dir / "model.pt";
  train::save_torchscript(train::trace_to_torchscript(module, [&](const torch::Tensor& X) { return model.forward(X); },
                                                       batch_of(2, shape, spec)),
                          file, {{"d2l.toml", "model = 'x'\n"}});
  EXPECT_TRUE(module.is_training());  // tracing restores the mode

  module.eval();
  torch::NoGradGuard no_grad;
  auto loaded = torch::jit::load(file.string());
  train::weights::StateDict io;
  for (const int64_t n : {2, 5}) {  // the traced batch size and another one
    const auto X = batch_of(n, shape, spec);
    const auto expected = model.forward(X);
    const auto got = loaded.forward({X}).toTensor();
    EXPECT_TRUE(torch::allclose(got, expected, 1e-6, 1e-6)) << name << " at batch " << n;
    io.emplace_back("x" + std::to_string(n), X);
    io.emplace_back("y" + std::to_string(n), expected);
  }
  for (const auto& [key, tensor] : train::weights::state_dict(module)) io.emplace_back("state." + key, tensor);
  EXPECT_TRUE(train::has_extra_file(file, "d2l.toml"));

  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3-torch is not installed (the README's test command installs it)";
  train::weights::write_state_dict(dir / "io.pt", io);
  const std::string command = "/usr/bin/python3 " + (test::source_dir() / "tests/python/check_torchscript.py").string() +
                              " " + file.string() + " " + (dir / "io.pt").string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

INSTANTIATE_TEST_SUITE_P(EveryModel, TorchScriptExport, ::testing::ValuesIn(model_names()), [](const auto& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
});

TEST(TorchScriptExport, NetworksWithAdaptivePoolingRunAtOtherImageSizes) {
  for (const auto* name : {"resnet18", "tv-googlenet", "tv-densenet121"}) {
    const auto& spec = apps::find_model(name);
    const int64_t channels = spec.defaults.channels > 0 ? spec.defaults.channels : 1;
    auto model = spec.make({{channels, 64, 64}, 10, {}});
    model.ptr()->eval();
    const auto traced = train::trace_to_torchscript(
        *model.ptr(), [&](const torch::Tensor& X) { return model.forward(X); }, torch::rand({1, channels, 64, 64}));
    torch::NoGradGuard no_grad;
    auto module = traced;  // run the traced module directly, no file needed here
    const auto X = torch::rand({2, channels, 96, 80});
    EXPECT_TRUE(torch::allclose(module.forward({X}).toTensor(), model.forward(X), 1e-6, 1e-6)) << name;
  }
}

TEST(TorchScriptExport, MaskedAttentionTracesWithoutFreezingTheSequenceLength) {
  models::DotProductAttention attention;
  const auto lens = torch::tensor({2, 3});
  const auto forward = [&](const torch::Tensor& X) { return attention->forward(X, X, X, lens); };
  auto traced = train::trace_to_torchscript(*attention, forward, torch::rand({2, 4, 8}));
  torch::NoGradGuard no_grad;
  const auto X = torch::rand({2, 7, 8});  // traced with 4 steps, run with 7
  EXPECT_TRUE(torch::allclose(traced.forward({X}).toTensor(), forward(X), 1e-6, 1e-6));
}
