#include "train/weights/torch_file.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <cstring>
#include <optional>
#include <fstream>
#include <map>

#include "train/atomic_file.h"
#include "train/strings.h"

namespace d2l::train::weights {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FormatError(file.string() + ": cannot open for reading");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// torch.save's zip archive: data.pkl plus one record per storage, data/<key>.
PyValue read_zip(const fs::path& file) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(file.string());
  } catch (const c10::Error& e) {
    throw FormatError("not a readable zip archive (truncated or damaged?): " + first_line(e));
  }
  if (!reader->hasRecord("data.pkl")) {
    const bool torchscript = reader->hasRecord("constants.pkl") || reader->hasRecord("code/");
    throw FormatError(torchscript ? "a TorchScript archive, not a torch.save file; read it with torch.jit.load"
                                  : "zip archive without data.pkl: not written by torch.save");
  }
  if (reader->hasRecord("byteorder")) {
    auto [ptr, size] = reader->getRecord("byteorder");
    if (std::string(static_cast<const char*>(ptr.get()), size) != "little")
      throw FormatError("big-endian tensor data is not supported");
  }
  auto [pickle, pickle_size] = reader->getRecord("data.pkl");
  std::map<std::string, torch::Tensor> storages;  // a storage shared by several tensors is read once
  const StorageLoader load = [&](torch::ScalarType dtype, const std::string& key, int64_t numel) {
    if (auto it = storages.find(key); it != storages.end()) return it->second;
    const std::string record = "data/" + key;
    if (!reader->hasRecord(record)) throw FormatError("storage record '" + record + "' is missing");
    auto [ptr, size] = reader->getRecord(record);
    const auto expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (size != expected)
      throw FormatError("storage '" + record + "' holds " + std::to_string(size) + " bytes, its header promises " +
                        std::to_string(expected));
    auto storage = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
    if (size > 0) std::memcpy(storage.data_ptr(), ptr.get(), size);
    return storages[key] = storage;
  };
  size_t offset = 0;
  try {
    return unpickle(static_cast<const uint8_t*>(pickle.get()), pickle_size, &offset, load);
  } catch (const FormatError& e) {
    throw FormatError(std::string("data.pkl: ") + e.what());
  }
}

// The format before PyTorch 1.6: five pickles in a row (magic number, protocol version, system
// info, the object, the storage keys), then each storage as an int64 element count and its bytes.
PyValue read_legacy(const std::vector<uint8_t>& bytes) {
  size_t offset = 0;
  const StorageLoader none = [](torch::ScalarType, const std::string&, int64_t) -> torch::Tensor {
    throw FormatError("a storage in the file header");
  };
  // The magic number 0x1950a86a20f9469cfc6c, pickled (protocol 2) as a 10-byte LONG1.
  static const uint8_t magic_pickle[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                         0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
  if (bytes.size() < sizeof magic_pickle || std::memcmp(bytes.data(), magic_pickle, sizeof magic_pickle) != 0)
    throw FormatError("not a PyTorch file: neither a zip archive nor the legacy torch.save format (bad magic number)");
  offset = sizeof magic_pickle;
  const auto version = unpickle(bytes.data(), bytes.size(), &offset, none);
  if (version.kind != PyValue::Kind::integer || version.integer != 1001)
    throw FormatError("unsupported legacy protocol version");
  const auto sys_info = unpickle(bytes.data(), bytes.size(), &offset, none);
  if (sys_info.kind == PyValue::Kind::dict)
    for (const auto& [k, v] : *sys_info.entries)
      if (k.string == "little_endian" && v.kind == PyValue::Kind::boolean && !v.boolean)
        throw FormatError("big-endian tensor data is not supported");

  std::map<std::string, torch::Tensor> storages;
  const StorageLoader load = [&](torch::ScalarType dtype, const std::string& key, int64_t numel) {
    auto it = storages.find(key);
    if (it == storages.end())
      it = storages.emplace(key, torch::empty({numel}, torch::TensorOptions().dtype(dtype))).first;
    else if (it->second.numel() != numel || it->second.scalar_type() != dtype)
      throw FormatError("storage '" + key + "' is declared twice with different types or sizes");
    return it->second;
  };
  auto value = unpickle(bytes.data(), bytes.size(), &offset, load);
  const auto keys = unpickle(bytes.data(), bytes.size(), &offset, none);
  if (keys.kind != PyValue::Kind::list) throw FormatError("the storage key list is missing");
  for (const auto& key : *keys.items) {
    auto it = storages.find(key.string);
    if (key.kind != PyValue::Kind::string || it == storages.end())
      throw FormatError("the storage key list names an unknown storage");
    auto& storage = it->second;
    const size_t nbytes = static_cast<size_t>(storage.numel()) * storage.element_size();
    if (bytes.size() - offset < 8 + nbytes)
      throw FormatError("truncated: storage '" + key.string + "' needs " + std::to_string(8 + nbytes) +
                        " bytes at byte offset " + std::to_string(offset) + ", " +
                        std::to_string(bytes.size() - offset) + " left");
    int64_t numel = 0;
    std::memcpy(&numel, bytes.data() + offset, 8);  // little-endian, checked above
    if (numel != storage.numel())
      throw FormatError("storage '" + key.string + "' holds " + std::to_string(numel) + " elements, its header promises " +
                        std::to_string(storage.numel()) + " (byte offset " + std::to_string(offset) + ")");
    if (nbytes > 0) std::memcpy(storage.data_ptr(), bytes.data() + offset + 8, nbytes);
    offset += 8 + nbytes;
  }
  if (storages.size() != keys.items->size()) throw FormatError("some storages have no data");
  return value;
}

bool all_tensors(const PyValue& v) {
  if (v.kind != PyValue::Kind::dict) return false;
  for (const auto& [k, t] : *v.entries)
    if (k.kind != PyValue::Kind::string || t.kind != PyValue::Kind::tensor) return false;
  return true;
}

}  // namespace

PyValue read_torch_file(const fs::path& file) {
  try {
    if (!fs::is_regular_file(file)) throw FormatError("no such file");
    const auto bytes = read_bytes(file);
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), "PK\x03\x04", 4) == 0) return read_zip(file);
    if (bytes.size() > 262 && std::memcmp(bytes.data() + 257, "ustar", 5) == 0)
      throw FormatError("a tar archive (PyTorch's pre-0.4 format), which is not supported; re-save it with a recent torch.save");
    return read_legacy(bytes);
  } catch (const FormatError& e) {
    throw FormatError(file.string() + ": " + e.what());
  }
}

StateDict read_state_dict(const fs::path& file) {
  auto value = read_torch_file(file);
  if (!all_tensors(value) && value.kind == PyValue::Kind::dict) {
    // A checkpoint dict wrapping the state dict. The entry is copied out before `value` is
    // replaced: assigning a part of `value` to it directly would free the part mid-copy.
    std::optional<PyValue> wrapped;
    for (const auto* wrapper : {"state_dict", "model", "model_state_dict"})
      for (const auto& [k, v] : *value.entries)
        if (!wrapped && k.string == wrapper && all_tensors(v)) wrapped = v;
    if (wrapped) value = std::move(*wrapped);
  }
  if (!all_tensors(value)) {
    std::string what = kind_name(value.kind);
    if (value.kind == PyValue::Kind::dict) {
      for (const auto& [k, v] : *value.entries)
        if (k.kind != PyValue::Kind::string || v.kind != PyValue::Kind::tensor) {
          what = "a dict whose entry '" + k.string + "' is a " + kind_name(v.kind);
          break;
        }
    }
    throw FormatError(file.string() + ": expected a state dict (names -> tensors), found " + what);
  }
  StateDict state;
  bool data_parallel = !value.entries->empty();
  for (const auto& [k, v] : *value.entries) {
    state.emplace_back(k.string, v.tensor);
    data_parallel = data_parallel && k.string.rfind("module.", 0) == 0;
  }
  if (data_parallel)
    for (auto& [name, tensor] : state) name.erase(0, std::strlen("module."));
  return state;
}

void write_state_dict(const fs::path& file, const StateDict& state) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [name, tensor] : state) dict.insert(name, tensor.detach().to(torch::kCPU).contiguous());
  const auto bytes = torch::pickle_save(dict);
  write_atomically(file, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw std::runtime_error(tmp.string() + ": write failed");
  });
}

}  // namespace d2l::train::weights
