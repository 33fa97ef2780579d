// A small, safe reader for the pickles that torch.save writes for tensors and dicts of tensors.
// Only an allow-list of opcodes and globals is understood; anything else (a pickled class, a
// function call) is rejected with its byte offset, never executed.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace d2l::train::weights {

// A Python value as far as torch.save's pickles need one.
struct PyValue {
  enum class Kind { none, boolean, integer, real, string, tuple, list, dict, tensor, global };
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string string;  // also a global's "module.name"
  std::shared_ptr<std::vector<PyValue>> items;                          // tuple, list
  std::shared_ptr<std::vector<std::pair<PyValue, PyValue>>> entries;  // dict (insertion order)
  torch::Tensor tensor;  // a tensor, or a storage (1-D, its dtype) while unpickling
  int depth = 0;         // containers: how deeply they nest (as far as the unpickler saw them built)

  static PyValue of(Kind kind) {
    PyValue v;
    v.kind = kind;
    return v;
  }

  PyValue() = default;
  PyValue(const PyValue&) = default;
  PyValue(PyValue&&) = default;
  PyValue& operator=(const PyValue&) = default;
  PyValue& operator=(PyValue&&) = default;
  // Releases nested containers level by level: a hostile pickle may nest them a million deep,
  // and recursive destruction would overflow the stack.
  ~PyValue();
};

const char* kind_name(PyValue::Kind kind);

// The bytes of a file that could not be read, with where.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Called for each persistent id (torch.save's ('storage', type, key, location, numel) tuple)
// with the storage's dtype, key and element count; returns the storage as a 1-D tensor.
using StorageLoader = std::function<torch::Tensor(torch::ScalarType dtype, const std::string& key, int64_t numel)>;

// Reads one pickle starting at data[*offset] and advances *offset past its STOP opcode.
PyValue unpickle(const uint8_t* data, size_t size, size_t* offset, const StorageLoader& load_storage);

}  // namespace d2l::train::weights
