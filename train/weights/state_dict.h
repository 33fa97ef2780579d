// Moving a state dict in and out of a module by name, as PyTorch's state_dict() and
// load_state_dict(strict) do, with a report of what did not match.
#pragma once
#include <torch/nn/module.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "train/weights/torch_file.h"

namespace d2l::train::weights {

// Parameters then buffers, by their dotted names (conv1.weight, bn1.running_mean, ...).
StateDict state_dict(const torch::nn::Module& module);

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // the module has them, the state dict does not
  std::vector<std::string> unexpected;  // the state dict has them, the module does not
};

// A tensor whose shape differs between the state dict and the module (an error even when not
// strict, as in PyTorch).
class ShapeMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  TORCH_ARG(bool, strict) = true;  // missing or unexpected names are an error
  // Names to leave out of the state dict before matching (prefixes, e.g. "fc." to replace a head).
  TORCH_ARG(std::vector<std::string>, skip_prefixes) = {};
};

// Copies `state` into `module`. Everything is checked first (shapes always; names when strict),
// so on error the module is unchanged. `source` names the file in messages.
LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, const LoadOptions& options = {},
                           const std::string& source = "state dict");

// Reads `file` (see read_state_dict) and loads it into `module`.
LoadReport load_weights(torch::nn::Module& module, const std::filesystem::path& file, const LoadOptions& options = {});

std::string describe(const LoadReport& report);  // "loaded 102 tensors; missing: fc.weight, ..."

}  // namespace d2l::train::weights
