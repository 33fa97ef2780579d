// The metadata of an exported model (the extra file d2l.toml inside its TorchScript archive):
// what the model is and how to feed it. Written by d2l export, read back by predict and inspect,
// which treat it as untrusted input: a damaged file is refused with what is wrong, never used.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "data/loader.h"

namespace d2l::apps {

struct ExportInfo {
  std::string model, title, section;
  std::vector<int64_t> input_shape;   // one example as the network takes it, e.g. {1, 28, 28}
  std::vector<int64_t> stored_shape;  // one example as the data set stores it (images are resized to it first)
  data::Transform transform;          // then this: scaling to [0, 1], resize, crop, channels, mean/std
  std::vector<std::string> class_names;
  // Language models: input tokens are int64 indices into vocab (characters or words).
  std::vector<std::string> vocab;
  std::string tokens;  // "char" | "word"; empty for image and regression models
  std::map<std::string, double> metrics;  // the last epoch's
  int64_t traced_batch = 1;
};

std::string to_toml(const ExportInfo& info);

// Parses and checks the metadata; throws naming `source` and the offending key.
ExportInfo parse_export_info(const std::string& text, const std::string& source);

// An image as the model's data set would have stored and transformed it: `image` (uint8
// [1, C, H, W], C as stored_shape[0]) resized to stored_shape [C, H, W], then the transform.
torch::Tensor prepare_image(const torch::Tensor& image, const std::vector<int64_t>& stored_shape,
                            const data::Transform& transform);

}  // namespace d2l::apps
