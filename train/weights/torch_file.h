// PyTorch weight files without Python: torch.save's zip format (PyTorch >= 1.6, also what
// torch::pickle_save writes) and the legacy format of older releases (torchvision's early .pth
// files), read through the safe unpickler; and state dicts written for Python's torch.load.
#pragma once
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "train/weights/pickle.h"

namespace d2l::train::weights {

// Names and tensors in the file's order, as Python's state_dict().
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

// The object torch.save stored in `file`. Throws FormatError naming the file and what is wrong.
PyValue read_torch_file(const std::filesystem::path& file);

// The state dict in `file`: a dict of tensors, or one found under "state_dict", "model" or
// "model_state_dict" of a checkpoint dict. A "module." prefix on every key (nn.DataParallel)
// is removed.
StateDict read_state_dict(const std::filesystem::path& file);

// Writes `state` so that Python's torch.load returns a dict that load_state_dict accepts.
// The file is replaced atomically.
void write_state_dict(const std::filesystem::path& file, const StateDict& state);

}  // namespace d2l::train::weights
