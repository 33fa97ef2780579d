#include "apps/model_export.h"

#include <torch/version.h>
#include <toml++/toml.h>

#include <sstream>
#include <stdexcept>

#include "train/strings.h"
#include "train/torchscript.h"

namespace d2l::apps {
namespace {

template <typename T>
toml::array to_array(const std::vector<T>& values) {
  toml::array out;
  for (const auto& v : values) out.push_back(v);
  return out;
}

template <typename T, typename NodeT>
std::vector<T> from_array(toml::node_view<NodeT> node) {
  std::vector<T> out;
  if (const auto* array = node.as_array())
    for (const auto& item : *array)
      if (auto v = item.template value<T>()) out.push_back(*v);
  return out;
}

}  // namespace

ExportInfo export_info(const Experiment& e, const std::map<std::string, double>& metrics) {
  ExportInfo info;
  info.model = e.config.model;
  info.title = e.spec->title;
  info.section = e.spec->section;
  info.input_shape = example_shape(e.data);
  auto stored = e.data.train.inputs.sizes().vec();
  stored.erase(stored.begin());
  if (stored.size() == 2) stored.insert(stored.begin(), 1);
  info.stored_shape = stored;
  info.transform = e.data.transform;
  info.class_names = e.data.class_names;
  if (e.spec->task == TaskKind::seq2seq)
    throw std::invalid_argument("model '" + info.model + "': TorchScript export of translation models is not supported "
                                "(their greedy decoding loop does not trace); use --format state-dict");
  if (e.data.vocab) {
    for (int64_t i = 0; i < e.data.vocab->size(); ++i) info.vocab.push_back(e.data.vocab->to_token(i));
    info.tokens = e.config.tokens;
  }
  info.metrics = metrics;
  return info;
}

std::string to_toml(const ExportInfo& info) {
  toml::table metrics;
  for (const auto& [name, value] : info.metrics) metrics.insert(name, value);
  const auto& t = info.transform;
  toml::table table{
      {"format", "d2l-torchscript 1"},
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
  ExportInfo info;
  info.model = table["model"].value_or(std::string());
  if (info.model.empty()) throw std::runtime_error(source + ": metadata without a model name");
  info.title = table["title"].value_or(std::string());
  info.section = table["section"].value_or(std::string());
  info.input_shape = from_array<int64_t>(table["input_shape"]);
  info.traced_batch = table["traced_batch"].value_or(int64_t{1});
  const auto pre = table["preprocessing"];
  info.stored_shape = from_array<int64_t>(pre["stored_shape"]);
  info.transform.resize = pre["resize"].value_or(int64_t{0});
  info.transform.crop = pre["crop"].value_or(int64_t{0});
  info.transform.channels = pre["channels"].value_or(int64_t{0});
  info.transform.mean = from_array<double>(pre["mean"]);
  info.transform.std = from_array<double>(pre["std"]);
  info.class_names = from_array<std::string>(table["classes"]);
  info.vocab = from_array<std::string>(table["vocab"]);
  info.tokens = table["tokens"].value_or(std::string());
  if (const auto* metrics = table["metrics"].as_table())
    for (const auto& [name, value] : *metrics)
      if (auto v = value.value<double>()) info.metrics[std::string(name.str())] = *v;
  return info;
}

void check_exportable(const ModelSpec& spec) {
  if (spec.task == TaskKind::mae_pretrain)
    throw std::invalid_argument("model 'mae': its forward masks patches at random, so it does not export to "
                                "TorchScript; fine-tune a ViT from it (d2l train vit --init-from RUN) and export that, "
                                "or use --format state-dict");
  if (spec.task == TaskKind::gan)
    throw std::invalid_argument("model '" + spec.name + "' is a generator and a discriminator: export --format "
                                "state-dict (net_G.* and net_D.*), or write samples with d2l generate RUN");
  if (spec.task == TaskKind::style_transfer)
    throw std::invalid_argument("model 'neural-style' is an image, not a network: write it with d2l predict RUN "
                                "--out IMAGE.png (or export --format state-dict)");
}

void export_torchscript(Experiment& e, const std::map<std::string, double>& metrics, const std::filesystem::path& file,
                        int64_t batch, const std::vector<int64_t>& input_shape) {
  check_exportable(*e.spec);
  auto info = export_info(e, metrics);
  if (!input_shape.empty()) info.input_shape = input_shape;
  info.traced_batch = batch;
  std::vector<int64_t> shape{batch};
  shape.insert(shape.end(), info.input_shape.begin(), info.input_shape.end());
  auto& model = *e.model.ptr();
  model.to(torch::kCPU);
  // Language models take token indices.
  const auto example = info.vocab.empty() ? torch::rand(shape)
                                          : torch::randint(static_cast<int64_t>(info.vocab.size()), shape, torch::kInt64);
  try {
    model.eval();
    torch::NoGradGuard no_grad;
    e.model.forward(example);
  } catch (const c10::Error& error) {
    std::string shape_text;
    for (auto d : info.input_shape) shape_text += (shape_text.empty() ? "" : "x") + std::to_string(d);
    throw std::invalid_argument("--example-shape " + shape_text + ": model '" + info.model +
                                "' rejects it: " + train::first_line(error));
  }
  auto module = train::trace_to_torchscript(model, [&](const torch::Tensor& X) { return e.model.forward(X); }, example);
  train::save_torchscript(module, file, {{kMetadataFile, to_toml(info)}, {kConfigFile, to_toml(e.config)}});
}

}  // namespace d2l::apps
