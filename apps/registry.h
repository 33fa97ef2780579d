// The single table from a name to a model (factory, book section, default task, data set and
// hyper-parameters), and from a name to a data set.
#pragma once
#include <torch/nn/modules/container/any.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apps/run_config.h"
#include "data/data_module.h"
#include "data/locate.h"

namespace d2l::apps {

enum class TaskKind {
  classification,
  regression,
  regression_half_squared,
  language_model,
  seq2seq,
  mae_pretrain,
  segmentation,
  style_transfer,
  gan,
  cyclegan
};

// What a model factory may take from the data and the config.
struct ModelArgs {
  std::vector<int64_t> input_shape;  // one example, e.g. {1, 28, 28} or {2}
  int64_t num_outputs = 10;
  std::vector<double> dropout;  // empty: the model's default
  // Text models: the vocabulary sizes (num_outputs is the target's) and the layer sizes.
  int64_t source_vocab = 0;
  int64_t num_hiddens = 0, num_layers = 0, embed_size = 0;
  // Vision transformers: 0 / unset: the model's default.
  int64_t patch_size = 0;
  std::optional<double> mask_ratio;
  bool norm_pix_loss = false;
};

// The book's training settings for a model (train_ch6 and friends, zh-v2 / en-0.17).
struct ModelDefaults {
  std::string data;
  int64_t epochs = 10;
  int64_t batch_size = 256;
  double lr = 0.1;
  std::string init = "none";
  int64_t resize = 0;
  int64_t channels = 0;  // input channels the model needs (gray images are repeated); 0: the data's
  std::string optimizer = "sgd";
  double clip_grad = 0.0;
  // Text models (d2l 9-11); 0 / empty: not a text model.
  int64_t num_steps = 0, num_hiddens = 0, num_layers = 0, embed_size = 0, max_tokens = 0;
  std::string sampling;
  std::vector<double> dropout;
  int64_t report_every = 1;  // epochs between epoch lines and checkpoints
  std::string scheduler = "constant";
  int64_t step_size = 30;  // step scheduler: epochs between decays, and the decay
  double gamma = 0.1;
  double generator_lr = 0.0;  // GANs: the generator's rate; 0: the same as lr
  double beta1 = 0.9;         // Adam's (DCGAN: 0.5)
};

struct ModelSpec {
  std::string name;
  std::string title;    // the book's name for it
  std::string section;  // English 1.0 edition
  TaskKind task;
  ModelDefaults defaults;
  std::function<torch::nn::AnyModule(const ModelArgs&)> make;
  bool takes_dropout = false;  // whether ModelArgs::dropout means anything to it
  // Name prefixes of the output layer's parameters: what --new-head replaces when fine-tuning.
  std::vector<std::string> head = {};
  // Takes --patch-size, --num-hiddens and --num-layers as a vision transformer's sizes (ViT, MAE).
  bool vision_transformer = false;
};

struct DataSpec {
  std::string name;
  std::string description;
  std::vector<int64_t> example_shape;  // one input as a model sees it (before --resize)
  int64_t num_outputs;                 // classes, or 1 for regression
  std::function<data::DataModule(const RunConfig&, int64_t resize)> load;
};

// --data-dir as the data folder searched first (unset when not given).
std::optional<std::filesystem::path> data_dir(const RunConfig& c);
// The folder of a data set of the book's data hub: found in the data folders, else downloaded
// into the first of them (unless --no-download or D2L_NO_DOWNLOAD).
std::filesystem::path hub_data(const RunConfig& c, const data::DataSource& source, const std::string& hub_name);

const std::vector<ModelSpec>& models();
std::vector<ModelSpec> text_models();  // chapters 9-11, in registry_text.cpp
const std::vector<DataSpec>& datasets();
std::vector<DataSpec> text_datasets();
const ModelSpec& find_model(const std::string& name);  // throws with the close matches
// A name from datasets(), or the path of a text file: a corpus for language models, tab-separated
// sentence pairs for translation models (the "file" data set).
const DataSpec& find_dataset(const std::string& name);

int64_t count_parameters(torch::nn::Module& model);

// The arguments a model gets on its default data set with the book's settings; nullopt where they
// depend on a vocabulary that is only known once the data is read (translation).
std::optional<ModelArgs> default_args(const ModelSpec& spec);

}  // namespace d2l::apps
