// PyTorch weight files read without Python, and written for Python: torchvision's state dicts
// in both of torch.save's formats load into our torchvision-compatible models and give
// torchvision's logits; ours load into torchvision. Malformed files are rejected, never run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "apps/registry.h"
#include "models/resnet.h"
#include "tests/helpers.h"
#include "train/weights/state_dict.h"

using namespace d2l;
using test::throws_with;
using namespace d2l::train::weights;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

bool torchvision_available() {
  return std::system((std::string(kPython) + " -c 'import torchvision' >/dev/null 2>&1").c_str()) == 0;
}

std::string interop_script() { return (test::source_dir() / "tests/python/torchvision_interop.py").string(); }

torch::Tensor lookup(const StateDict& state, const std::string& name) {
  for (const auto& [key, tensor] : state)
    if (key == name) return tensor;
  ADD_FAILURE() << "no '" << name << "'";
  return {};
}

// The input side each model is checked at: Swin-T's windows need 224 x 224 (56 x 56 patches).
int64_t side(const std::string& name) { return name == "tv-swin-t" ? 224 : 64; }

torch::nn::AnyModule make(const std::string& name) {
  return apps::find_model(name).make({{3, side(name), side(name)}, 10, {}});
}


class TorchvisionWeights : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!torchvision_available()) GTEST_SKIP() << "python3-torchvision is not installed (the README's test command installs it)";
  }
  test::TempDir dir_;
};

}  // namespace

TEST_P(TorchvisionWeights, BothFileFormatsLoadAndGiveTorchvisionsLogits) {
  const auto& name = GetParam();
  const std::string command = std::string(kPython) + " " + interop_script() + " export " + dir_.path().string() + " " + name;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const auto io = read_state_dict(dir_ / (name + ".io.pt"));
  const auto X = lookup(io, "input"), expected = lookup(io, "output");
  for (const auto* format : {".zip.pt", ".legacy.pt"}) {
    auto model = make(name);
    const auto report = load_weights(*model.ptr(), dir_ / (name + format));  // strict
    EXPECT_TRUE(report.missing.empty() && report.unexpected.empty()) << describe(report);
    model.ptr()->eval();
    torch::NoGradGuard no_grad;
    const auto Y = model.forward(X);
    EXPECT_LT((Y - expected).abs().max().item<double>(), 1e-4) << name << format;
  }
}

TEST_P(TorchvisionWeights, OurWeightsLoadIntoTorchvisionWithTheSameLogits) {
  const auto& name = GetParam();
  torch::manual_seed(3);
  auto model = make(name);
  model.ptr()->train();
  for (int i = 0; i < 2; ++i) model.forward(torch::randn({4, 3, side(name), side(name)}));  // batch-norm statistics
  model.ptr()->eval();
  const auto X = torch::randn({2, 3, side(name), side(name)});
  torch::NoGradGuard no_grad;
  auto state = state_dict(*model.ptr());
  state.emplace_back("__input__", X);
  state.emplace_back("__output__", model.forward(X));
  const auto file = dir_ / (name + ".pt");
  write_state_dict(file, state);
  const std::string command = std::string(kPython) + " " + interop_script() + " check " + name + "=" + file.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

INSTANTIATE_TEST_SUITE_P(Torchvision, TorchvisionWeights,
                         ::testing::Values("tv-resnet18", "tv-vgg11", "tv-alexnet", "tv-densenet121", "tv-googlenet",
                                           "tv-swin-t"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ---- Hand-made files in the legacy format: what a hostile or damaged file can contain. ----
namespace {

std::string str(const std::string& s) {  // BINUNICODE
  std::string out = "X";
  const auto n = static_cast<uint32_t>(s.size());
  for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + s;
}

// A legacy torch.save file: header pickles, `body` (a pickle without PROTO/STOP), the storage
// key list ["0"] and storage "0" as an element count plus `storage_bytes`.
std::string legacy_file(const std::string& body, int64_t storage_numel, const std::string& storage_bytes) {
  std::string f("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e", 15);  // magic number
  f += std::string("\x80\x02M\xe9\x03.", 6);                                     // protocol 1001
  f += std::string("\x80\x02}.", 4);                                             // system info
  f += std::string("\x80\x02", 2) + body + ".";
  f += std::string("\x80\x02(", 3) + str("0") + "l.";  // storage keys
  for (int i = 0; i < 8; ++i) f += static_cast<char>((storage_numel >> (8 * i)) & 0xff);
  return f + storage_bytes;
}

// A pickled tensor {"w": tensor of `size` floats viewing a storage of `storage_numel` floats}.
std::string tensor_dict(int size, int storage_numel) {
  auto binint1 = [](int v) { return std::string("K") + static_cast<char>(v); };
  return "}" + str("w") + "ctorch._utils\n_rebuild_tensor_v2\n((" + str("storage") + "ctorch\nFloatStorage\n" +
         str("0") + str("cpu") + binint1(storage_numel) + "tQ" + binint1(0) + "(" + binint1(size) + "t(" +
         binint1(1) + "t\x89" + "ccollections\nOrderedDict\n)RtRs";
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

std::filesystem::path write_file(const test::TempDir& dir, const std::string& name, const std::string& bytes) {
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace

TEST(WeightFile, AHandMadeLegacyFileReadsBack) {
  test::TempDir dir;
  const auto file = write_file(dir, "ok.pt", legacy_file(tensor_dict(3, 3), 3, floats({1, 2, 3})));
  const auto state = read_state_dict(file);
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].first, "w");
  EXPECT_TRUE(torch::equal(state[0].second, torch::tensor({1.0f, 2.0f, 3.0f})));
}

TEST(WeightFile, ADisallowedGlobalIsRejectedNotCalled) {
  test::TempDir dir;
  const auto file = write_file(dir, "evil.pt", legacy_file("cposix\nsystem\n(" + str("touch pwned") + "tR", 0, ""));
  std::string message;
  EXPECT_TRUE(throws_with([&] { read_state_dict(file); }, "unsupported global 'posix.system'", &message)) << message;
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists("touch pwned"));
}

TEST(WeightFile, AnUnknownOpcodeIsRejectedWithItsOffset) {
  test::TempDir dir;
  const auto file = write_file(dir, "bad.pt", legacy_file("}\xff", 0, ""));
  std::string message;
  EXPECT_TRUE(throws_with([&] { read_state_dict(file); }, "unsupported pickle opcode 0xff", &message)) << message;
  EXPECT_NE(message.find("byte offset 28"), std::string::npos) << message;  // 25 header bytes, PROTO, '}'

}

TEST(WeightFile, ATensorLargerThanItsStorageIsRejected) {
  test::TempDir dir;
  const auto file = write_file(dir, "lying.pt", legacy_file(tensor_dict(10, 3), 3, floats({1, 2, 3})));
  EXPECT_TRUE(throws_with([&] { read_state_dict(file); }, "runs past its storage of 3 elements"));
}

TEST(WeightFile, AStorageWhoseCountDisagreesWithItsHeaderIsRejected) {
  test::TempDir dir;
  const auto file = write_file(dir, "count.pt", legacy_file(tensor_dict(3, 3), 2, floats({1, 2, 3})));
  EXPECT_TRUE(throws_with([&] { read_state_dict(file); }, "holds 2 elements, its header promises 3"));
}

TEST(WeightFile, TruncatedFilesAreRejected) {
  test::TempDir dir;
  const auto legacy = legacy_file(tensor_dict(3, 3), 3, floats({1, 2, 3}));
  for (size_t cut : {size_t{10}, size_t{40}, legacy.size() - 4}) {
    const auto file = write_file(dir, "cut.pt", legacy.substr(0, cut));
    std::string message;
    EXPECT_TRUE(throws_with([&] { read_state_dict(file); }, file.string(), &message)) << cut << ": " << message;
  }
  // A zip file (what torch::pickle_save and torch.save write) cut in half.
  const auto whole = dir / "whole.pt";
  write_state_dict(whole, {{"w", torch::ones({1000})}});
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto half = write_file(dir, "half.pt", bytes.substr(0, bytes.size() / 2));
  EXPECT_TRUE(throws_with([&] { read_state_dict(half); }, "not a readable zip archive"));
}

TEST(WeightFile, TextIsNotAPyTorchFile) {
  test::TempDir dir;
  const auto file = write_file(dir, "notes.txt", "hello, these are not weights\n");
  EXPECT_TRUE(throws_with([&] { read_state_dict(file); }, "not a PyTorch file"));
  EXPECT_TRUE(throws_with([&] { read_state_dict(dir / "absent.pt"); }, "no such file"));
}

TEST(WeightFile, OurStateDictsReadBackInOrder) {
  test::TempDir dir;
  models::ResNet net(models::resnet18().num_classes(5));
  write_state_dict(dir / "w.pt", state_dict(*net));
  const auto state = read_state_dict(dir / "w.pt");
  const auto ours = state_dict(*net);
  ASSERT_EQ(state.size(), ours.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(state[i].first, ours[i].first);
    EXPECT_TRUE(torch::equal(state[i].second, ours[i].second)) << ours[i].first;
  }
}

TEST(LoadStateDict, AShapeMismatchNamesTheKeyAndChangesNothing) {
  models::ResNet net(models::resnet18().num_classes(5));
  auto state = state_dict(*models::ResNet(models::resnet18().num_classes(7)));
  const auto before = net->conv1->weight.clone();
  std::string message;
  EXPECT_TRUE(throws_with([&] { load_state_dict(*net, state); }, "'fc.weight' has shape [7, 512], the model expects [5, 512]",
                          &message))
      << message;
  EXPECT_TRUE(torch::equal(net->conv1->weight, before));  // nothing was half-loaded
}

TEST(LoadStateDict, StrictReportsMissingNamesAndLenientSkipsThem) {
  models::ResNet net(models::resnet18().num_classes(5));
  auto state = state_dict(*models::ResNet(models::resnet18().num_classes(5)));
  state.erase(state.begin());  // conv1.weight
  state.emplace_back("extra.weight", torch::zeros({1}));
  EXPECT_TRUE(throws_with([&] { load_state_dict(*net, state); }, "missing: conv1.weight; unexpected: extra.weight"));
  const auto report = load_state_dict(*net, state, LoadOptions().strict(false));
  EXPECT_EQ(report.missing, std::vector<std::string>{"conv1.weight"});
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"extra.weight"});
  EXPECT_TRUE(torch::equal(net->fc->weight, lookup(state, "fc.weight")));
}

TEST(LoadStateDict, SkippedPrefixesReplaceAHead) {
  models::ResNet net(models::resnet18().num_classes(2));
  const auto state = state_dict(*models::ResNet(models::resnet18()));  // 1000 classes
  const auto report = load_state_dict(*net, state, LoadOptions().strict(false).skip_prefixes({"fc."}));
  EXPECT_TRUE(report.missing.empty()) << describe(report);  // left out on purpose, not missing
  EXPECT_EQ(report.loaded.size() + 2, state.size());
  EXPECT_TRUE(torch::equal(net->conv1->weight, lookup(state, "conv1.weight")));
}

TEST(LoadStateDict, TorchvisionsOldDenseNetNamesAreRenamed) {
  auto model = apps::find_model("tv-densenet121").make({{3, 32, 32}, 10, {}});
  auto state = state_dict(*model.ptr());
  for (auto& [name, tensor] : state) {
    const auto pos = name.find("denselayer1.norm1.");
    if (pos != std::string::npos) name.replace(pos, std::string("denselayer1.norm1.").size(), "denselayer1.norm.1.");
  }
  EXPECT_NO_THROW(load_state_dict(*model.ptr(), state));
}

TEST(WeightFile, PythonsOtherWaysOfSavingAreReadOrRefused) {
  if (!torchvision_available()) GTEST_SKIP() << "python3-torchvision is not installed";
  test::TempDir dir;
  // Parameters (torch._utils._rebuild_parameter), a checkpoint dict wrapping the state dict,
  // float64 and int32 storages, a non-contiguous view; and a whole pickled model.
  const std::string script =
      "import torch, torchvision; torch.manual_seed(0); m = torch.nn.Linear(3, 2); "
      "torch.save(dict(m.named_parameters()), '" + (dir / "params.pt").string() + "'); "
      "torch.save({'epoch': 3, 'state_dict': m.state_dict()}, '" + (dir / "checkpoint.pt").string() + "'); "
      "torch.save({'d': torch.arange(6, dtype=torch.float64).reshape(2, 3).t(), 'i': torch.arange(4, dtype=torch.int32)}, '" +
      (dir / "views.pt").string() + "', _use_new_zipfile_serialization=False); "
      "torch.save(torchvision.models.resnet18(), '" + (dir / "model.pt").string() + "')";
  ASSERT_EQ(std::system((std::string(kPython) + " -c \"" + script + "\"").c_str()), 0);
  const auto params = read_state_dict(dir / "params.pt");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  const auto checkpoint = read_state_dict(dir / "checkpoint.pt");
  ASSERT_EQ(checkpoint.size(), 2u);
  EXPECT_TRUE(torch::equal(checkpoint[0].second, params[0].second));
  const auto views = read_state_dict(dir / "views.pt");
  EXPECT_TRUE(torch::equal(views[0].second, torch::arange(6, torch::kFloat64).reshape({2, 3}).t()));
  EXPECT_EQ(views[1].second.scalar_type(), torch::kInt32);
  std::string message;
  EXPECT_TRUE(throws_with([&] { read_state_dict(dir / "model.pt"); }, "unsupported global 'torchvision.models.resnet.ResNet'",
                          &message))
      << message;
}
