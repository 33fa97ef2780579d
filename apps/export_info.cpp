#include "apps/export_info.h"

#include <torch/version.h>
#include <toml++/toml.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "data/resize.h"

namespace d2l::apps {
namespace {

constexpr const char* kFormat = "d2l-torchscript 1";
constexpr int64_t kMaxDim = 1 << 20;       // any one dimension of an example
constexpr int64_t kMaxElements = 1 << 28;  // of one example: 1 GiB of float32
constexpr int64_t kMaxSide = 1 << 14;      // of an image after resizing or cropping

template <typename T>
toml::array to_array(const std::vector<T>& values) {
  toml::array out;
  for (const auto& v : values) out.push_back(v);
  return out;
}

// Reads the values of an array, refusing (not skipping) items of another type.
class Reader {
 public:
  Reader(const toml::table& table, std::string source) : table_(table), source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw std::runtime_error(source_ + ": damaged metadata: " + key + " " + what);
  }

  template <typename T>
  std::vector<T> array(const std::string& key) const {
    const auto node = table_.at_path(key);
    std::vector<T> out;
    if (!node) return out;
    const auto* items = node.as_array();
    if (!items) fail(key, "must be an array");
    for (const auto& item : *items) {
      auto value = item.template value_exact<T>();
      if constexpr (std::is_same_v<T, double>)
        if (!value) value = item.template value<double>();  // integers are numbers too
      if (!value) fail(key, "holds an item of the wrong type");
      out.push_back(*value);
    }
    return out;
  }

  template <typename T>
  T value(const std::string& key, T fallback) const {
    const auto node = table_.at_path(key);
    if (!node) return fallback;
    auto value = node.template value_exact<T>();
    if (!value) fail(key, "has the wrong type");
    return *value;
  }

  // A shape: every dimension in [1, kMaxDim], and not too many elements in all.
  std::vector<int64_t> shape(const std::string& key) const {
    const auto dims = array<int64_t>(key);
    int64_t elements = 1;
    for (auto d : dims) {
      if (d < 1 || d > kMaxDim) fail(key, "has dimension " + std::to_string(d) + " (expected 1 to " + std::to_string(kMaxDim) + ")");
      elements *= d;
      if (elements > kMaxElements) fail(key, "describes more than " + std::to_string(kMaxElements) + " elements");
    }
    return dims;
  }

  int64_t side(const std::string& key) const {
    const auto v = value<int64_t>(key, 0);
    if (v < 0 || v > kMaxSide) fail(key, "is " + std::to_string(v) + " (expected 0 to " + std::to_string(kMaxSide) + ")");
    return v;
  }

 private:
  const toml::table& table_;
  std::string source_;
};

// The preprocessing must be one the loader can apply to the stored images.
void check_transform(const Reader& r, const ExportInfo& info) {
  const auto& t = info.transform;
  if (t.channels != 0 && t.channels != 1 && t.channels != 3)
    r.fail("preprocessing.channels", "is " + std::to_string(t.channels) + " (expected 0, 1 or 3)");
  if (t.mean.size() != t.std.size()) r.fail("preprocessing.mean", "and preprocessing.std differ in length");
  for (double m : t.mean)
    if (!std::isfinite(m)) r.fail("preprocessing.mean", "holds a value that is not finite");
  for (double s : t.std)
    if (!(std::isfinite(s) && s > 0)) r.fail("preprocessing.std", "holds a value that is not positive and finite");
  if (info.stored_shape.size() != 3) {  // not images: the transform leaves them as they are
    if (t.resize || t.crop || t.channels || !t.mean.empty())
      r.fail("preprocessing", "transforms images, but stored_shape is not [channels, height, width]");
    return;
  }
  const int64_t c = info.stored_shape[0];
  if (c != 1 && c != 3) r.fail("preprocessing.stored_shape", "has " + std::to_string(c) + " channels (expected 1 or 3)");
  if (std::max(info.stored_shape[1], info.stored_shape[2]) > kMaxSide)
    r.fail("preprocessing.stored_shape", "has a side over " + std::to_string(kMaxSide));
  const int64_t height = t.resize ? t.resize : info.stored_shape[1];
  const int64_t width = t.resize ? t.resize : info.stored_shape[2];
  if (t.crop > std::min(height, width))
    r.fail("preprocessing.crop", std::to_string(t.crop) + " is larger than the image it crops");
  const int64_t channels = t.channels > 1 && c == 1 ? t.channels : c;
  if (!t.mean.empty() && static_cast<int64_t>(t.mean.size()) != channels)
    r.fail("preprocessing.mean", "has " + std::to_string(t.mean.size()) + " values for " + std::to_string(channels) + " channels");
}

}  // namespace

std::string to_toml(const ExportInfo& info) {
  toml::table metrics;
  for (const auto& [name, value] : info.metrics) metrics.insert(name, value);
  const auto& t = info.transform;
  toml::table table{
      {"format", kFormat},
      {"d2l_version", D2L_VERSION},
      {"torch_version", TORCH_VERSION},
      {"model", info.model},
      {"title", info.title},
      {"section", info.section},
      {"input_shape", to_array(info.input_shape)},
      {"input_dtype", info.vocab.empty() ? "float32" : "int64"},
      {"tokens", info.tokens},
      {"vocab", to_array(info.vocab)},
      {"traced_batch", info.traced_batch},
      {"preprocessing", toml::table{{"stored_shape", to_array(info.stored_shape)},
                                    {"scale", 1.0 / 255.0},
                                    {"resize", t.resize},
                                    {"crop", t.crop},
                                    {"channels", t.channels},
                                    {"mean", to_array(t.mean)},
                                    {"std", to_array(t.std)}}},
      {"classes", to_array(info.class_names)},
      {"metrics", metrics},
  };
  std::ostringstream out;
  out << "# d2l-cpp export: how to feed this model (images: resize to preprocessing.stored_shape, scale\n"
         "# to [0, 1], resize, centre-crop, repeat gray to `channels`, subtract mean, divide by std;\n"
         "# language models: int64 indices into `vocab`, [batch, steps] -> logits [batch, steps, vocab]).\n"
      << table << "\n";
  return out.str();
}

ExportInfo parse_export_info(const std::string& text, const std::string& source) {
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(source + ": damaged metadata (" + std::string(e.description()) + ")");
  }
  const Reader r(table, source);
  if (const auto format = r.value<std::string>("format", kFormat); format != kFormat)
    r.fail("format", "is '" + format + "' (this d2l reads '" + kFormat + "': export the model again)");
  ExportInfo info;
  info.model = r.value<std::string>("model", "");
  if (info.model.empty()) throw std::runtime_error(source + ": metadata without a model name");
  info.title = r.value<std::string>("title", "");
  info.section = r.value<std::string>("section", "");
  info.input_shape = r.shape("input_shape");
  info.traced_batch = r.value<int64_t>("traced_batch", 1);
  if (info.traced_batch < 1 || info.traced_batch > kMaxDim) r.fail("traced_batch", "must be between 1 and " + std::to_string(kMaxDim));
  info.stored_shape = r.shape("preprocessing.stored_shape");
  info.transform.resize = r.side("preprocessing.resize");
  info.transform.crop = r.side("preprocessing.crop");
  info.transform.channels = r.value<int64_t>("preprocessing.channels", 0);
  info.transform.mean = r.array<double>("preprocessing.mean");
  info.transform.std = r.array<double>("preprocessing.std");
  check_transform(r, info);
  info.class_names = r.array<std::string>("classes");
  info.vocab = r.array<std::string>("vocab");
  info.tokens = r.value<std::string>("tokens", "");
  if (!info.tokens.empty() && info.tokens != "char" && info.tokens != "word")
    r.fail("tokens", "is '" + info.tokens + "' (expected char or word)");
  if (info.tokens.empty() != info.vocab.empty()) r.fail("vocab", "and tokens must be given together");
  if (const auto* metrics = table["metrics"].as_table())
    for (const auto& [name, value] : *metrics)
      if (auto v = value.value<double>()) info.metrics[std::string(name.str())] = *v;
  return info;
}

torch::Tensor prepare_image(const torch::Tensor& image, const std::vector<int64_t>& stored,
                            const data::Transform& transform) {
  if (stored.size() != 3) throw std::invalid_argument("this model does not take images");
  const auto X = data::resize_batch(image.to(torch::kFloat32), stored[1], stored[2]);
  return transform(X.round().clamp_(0, 255).to(torch::kUInt8));
}

}  // namespace d2l::apps
