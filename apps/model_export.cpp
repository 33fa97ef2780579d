#include "apps/model_export.h"

#include <stdexcept>

#include "train/strings.h"
#include "train/torchscript.h"

namespace d2l::apps {

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
