// A trained model as a file for other programs: TorchScript with our metadata (what the model
// is, how to feed it, what its outputs mean, how it trained), or a state dict for Python.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "apps/experiment.h"
#include "apps/export_info.h"

namespace d2l::apps {

// Stored inside the TorchScript archive as extra files: the metadata, and the run's effective
// config (model options and hyper-parameters, as config.toml in a run directory).
inline constexpr const char* kMetadataFile = "d2l.toml";
inline constexpr const char* kConfigFile = "config.toml";

ExportInfo export_info(const Experiment& experiment, const std::map<std::string, double>& metrics);

// Throws, saying what to do instead, for a model that does not trace to TorchScript (an MAE
// masks at random; a neural-style model is an image).
void check_exportable(const ModelSpec& spec);

// Traces the experiment's model at [batch, input_shape...] (input_shape empty: the data's) and
// writes it with its metadata, atomically. The model must accept the shape.
void export_torchscript(Experiment& experiment, const std::map<std::string, double>& metrics,
                        const std::filesystem::path& file, int64_t batch = 1,
                        const std::vector<int64_t>& input_shape = {});

}  // namespace d2l::apps
