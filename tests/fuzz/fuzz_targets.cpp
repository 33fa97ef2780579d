#include "tests/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "apps/export_info.h"
#include "apps/run_config.h"
#include "data/cifar10.h"
#include "data/extract.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/text.h"
#include "data/translation.h"
#include "data/vocab.h"
#include "data/voc.h"
#include "train/weights/pickle.h"
#include "train/weights/torch_file.h"

namespace d2l::fuzz {
namespace {
namespace fs = std::filesystem;

// The readers take files: each input is written to one (per process) first.
fs::path as_file(const uint8_t* data, size_t size, const std::string& name) {
  const auto file = fs::temp_directory_path() / ("d2l-fuzz-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return file;
}

// Runs the parser; its own errors (std::exception, c10::Error) are the expected rejections.
template <typename F>
void rejecting(F&& parse) {
  try {
    parse();
  } catch (const std::exception&) {
  }
}

}  // namespace

void idx_file(const uint8_t* data, size_t size) {
  const bool gzip = size > 0 && data[0] == 0x1f;
  const auto file = as_file(data, size, gzip ? "input.gz" : "input");
  rejecting([&] { data::read_idx(file); });
}

void cifar10_batch(const uint8_t* data, size_t size) {
  const auto file = as_file(data, size, "batch.bin");
  rejecting([&] { data::read_cifar10_batch(file); });
}

void text_corpus(const uint8_t* data, size_t size) {
  const auto file = as_file(data, size, "corpus.txt");
  rejecting([&] { data::load_corpus(file, data::TokenKind::character); });
  rejecting([&] { data::load_corpus(file, data::TokenKind::word, 100); });
}

void sentence_pairs(const uint8_t* data, size_t size) {
  const auto file = as_file(data, size, "pairs.txt");
  rejecting([&] {
    const auto pairs = data::read_sentence_pairs(file);
    std::vector<std::string> tokens;
    for (const auto& line : pairs.source) tokens.insert(tokens.end(), line.begin(), line.end());
    data::VocabOptions options;
    options.min_freq = 2;
    options.reserved_tokens = {"<pad>", "<bos>", "<eos>"};
    data::build_array_nmt(pairs.source, data::Vocab(tokens, options), 10);
  });
}

void toml_config(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rejecting([&] { apps::parse_config(text, "fuzz.toml"); });
}

void pickle(const uint8_t* data, size_t size) {
  rejecting([&] {
    size_t offset = 0;
    train::weights::unpickle(data, size, &offset, [](torch::ScalarType dtype, const std::string&, int64_t numel) {
      if (numel < 0 || numel > (1 << 20)) throw std::runtime_error("storage too large for the fuzzer");
      return torch::zeros({numel}, dtype);
    });
  });
}

void torch_file(const uint8_t* data, size_t size) {
  const auto file = as_file(data, size, "weights.pth");
  rejecting([&] { train::weights::read_state_dict(file); });
}

void voc_mask(const uint8_t* data, size_t size) {
  const auto file = as_file(data, size, "mask.png");
  rejecting([&] {
    if (!data::can_read_images()) return;
    data::voc_label_indices(data::read_image(file, 3));
  });
}

void torchscript_metadata(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  apps::ExportInfo info;
  try {
    info = apps::parse_export_info(text, "d2l.toml");
  } catch (const std::runtime_error&) {
    return;  // refused
  }
  // Metadata that was accepted must describe a preprocessing that works on an image: any error
  // here escapes and is reported. Large shapes are valid but would only slow the fuzzer down.
  const auto& s = info.stored_shape;
  if (s.size() != 3 || s[1] * s[2] > 4096 || info.transform.resize > 64) return;
  const auto X = apps::prepare_image(torch::randint(256, {1, s[0], 5, 7}, torch::kUInt8), s, info.transform);
  if (X.dim() != 4 || X.size(0) != 1) throw std::logic_error("prepare_image: wrong shape");
}

void archive(const uint8_t* data, size_t size) {
  const auto file = as_file(data, size, "input.archive");
  const auto box = fs::temp_directory_path() / ("d2l-fuzz-" + std::to_string(::getpid()) + "-box");
  fs::remove_all(box);
  fs::create_directories(box / "dest");
  bool refused = false;
  try {
    data::extract_archive(file, box / "dest");
  } catch (const std::exception&) {
    refused = true;
  }
  // Whatever the archive holds: nothing beside the destination, no links in it, and a refused
  // archive leaves it as it was (empty).
  for (const auto& entry : fs::directory_iterator(box))
    if (entry.path().filename() != "dest") throw std::logic_error("extract_archive wrote outside its folder");
  for (const auto& entry : fs::recursive_directory_iterator(box / "dest"))
    if (entry.is_symlink()) throw std::logic_error("extract_archive created a link");
  if (refused && !fs::is_empty(box / "dest")) throw std::logic_error("a refused archive left files behind");
  fs::remove_all(box);
}

const std::vector<std::pair<std::string, Target>>& targets() {
  static const std::vector<std::pair<std::string, Target>> all = {
      {"idx_file", idx_file},           {"cifar10_batch", cifar10_batch}, {"text_corpus", text_corpus},
      {"sentence_pairs", sentence_pairs}, {"toml_config", toml_config},   {"pickle", pickle},
      {"torch_file", torch_file},       {"voc_mask", voc_mask},           {"torchscript_metadata", torchscript_metadata},
      {"archive", archive}};
  return all;
}

}  // namespace d2l::fuzz
