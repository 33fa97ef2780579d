// TorchScript export of a C++ nn::Module, which LibTorch has no function for: a torch::jit::Module
// tree that mirrors the module tree (same child names, the very same parameter and buffer
// tensors) is traced in eval mode, so Python's torch.jit.load and C++'s torch::jit::load run the
// model with the C++ module's parameter names (see DESIGN.md, "Facts we verified").
#pragma once
#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace d2l::train {

using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

// Traces forward(example) with `model` in eval mode (restored afterwards). Only shape-free
// operations survive other input sizes: code that reads X.size(i) into a C++ integer is traced
// as a constant.
torch::jit::Module trace_to_torchscript(torch::nn::Module& model, const Forward& forward, const torch::Tensor& example);

// Saves `module` with `extra_files` (name -> content; readable with torch.jit.load(f,
// _extra_files=...)), atomically.
void save_torchscript(const torch::jit::Module& module, const std::filesystem::path& file,
                      const std::map<std::string, std::string>& extra_files = {});

// Whether `file` is a TorchScript archive holding the extra file `name` (our exports do).
bool has_extra_file(const std::filesystem::path& file, const std::string& name);

// Loads a TorchScript file on the CPU with the named extra files; throws naming the file when it
// is not TorchScript or lacks one of them.
torch::jit::Module load_torchscript(const std::filesystem::path& file, std::map<std::string, std::string>& extra_files);

}  // namespace d2l::train
