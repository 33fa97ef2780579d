// A trained model as a file for other programs: TorchScript with our metadata (what the model
// is, how to feed it, what its outputs mean, how it trained), or a state dict for Python.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "apps/experiment.h"

namespace d2l::apps {

// Stored inside the TorchScript archive as extra files: the metadata, and the run's effective
// config (model options and hyper-parameters, as config.toml in a run directory).
inline constexpr const char* kMetadataFile = "d2l.toml";
inline constexpr const char* kConfigFile = "config.toml";

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

ExportInfo export_info(const Experiment& experiment, const std::map<std::string, double>& metrics);
std::string to_toml(const ExportInfo& info);
ExportInfo parse_export_info(const std::string& text, const std::string& source);

// Throws, saying what to do instead, for a model that does not trace to TorchScript (an MAE
// masks at random; a neural-style model is an image).
void check_exportable(const ModelSpec& spec);

// Traces the experiment's model at [batch, input_shape...] (input_shape empty: the data's) and
// writes it with its metadata, atomically. The model must accept the shape.
void export_torchscript(Experiment& experiment, const std::map<std::string, double>& metrics,
                        const std::filesystem::path& file, int64_t batch = 1,
                        const std::vector<int64_t>& input_shape = {});

}  // namespace d2l::apps
