// Our models against the book's PyTorch code: the same weights give the same outputs in
// Python (Debian's python3-torch), so our LeNet, BN-LeNet and MLP are the book's networks.
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <cstdlib>
#include <fstream>

#include "apps/registry.h"
#include "tests/helpers.h"

using namespace d2l;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

bool python_torch_available() {
  return std::system((std::string(kPython) + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
}

// Writes weights, an input and our output as one dict that Python's torch.load reads.
void export_case(const std::string& model_name, const std::filesystem::path& file) {
  torch::manual_seed(7);
  auto model = apps::find_model(model_name).make({{1, 28, 28}, 10, {}});
  auto& module = *model.ptr();
  // Make batch-norm statistics non-trivial before switching to prediction mode.
  module.train();
  for (int i = 0; i < 3; ++i) model.forward(torch::randn({16, 1, 28, 28}));
  module.eval();
  const auto X = torch::randn({5, 1, 28, 28});
  torch::NoGradGuard no_grad;
  const auto Y = model.forward(X);
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& p : module.named_parameters()) dict.insert(p.key(), p.value().detach());
  for (const auto& b : module.named_buffers()) dict.insert(b.key(), b.value());
  dict.insert("__input__", X);
  dict.insert("__output__", Y);
  const auto bytes = torch::pickle_save(dict);
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST(Interop, BookModelsInPythonGiveOurOutputs) {
  if (!python_torch_available())
    GTEST_SKIP() << "python3-torch is not installed (the README's test command installs it)";
  test::TempDir dir;
  std::string args;
  for (const auto& name : {"lenet", "bn-lenet", "mlp", "softmax-regression"}) {
    export_case(name, dir / (std::string(name) + ".pt"));
    args += " " + std::string(name) + "=" + (dir / (std::string(name) + ".pt")).string();
  }
  const std::string command =
      std::string(kPython) + " " + (test::source_dir() / "tests/python/book_models.py").string() + args;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}
