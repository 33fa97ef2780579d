// The single table from a name to a model (factory, book section, default task, data set and
// hyper-parameters), and from a name to a data set.
#pragma once
#include <torch/nn/modules/container/any.h>

#include <functional>
#include <string>
#include <vector>

#include "apps/run_config.h"
#include "data/data_module.h"

namespace d2l::apps {

enum class TaskKind { classification, regression, regression_half_squared };

// What a model factory may take from the data and the config.
struct ModelArgs {
  std::vector<int64_t> input_shape;  // one example, e.g. {1, 28, 28} or {2}
  int64_t num_outputs = 10;
  std::vector<double> dropout;  // empty: the model's default
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
};

struct DataSpec {
  std::string name;
  std::string description;
  std::vector<int64_t> example_shape;  // one input as a model sees it (before --resize)
  int64_t num_outputs;                 // classes, or 1 for regression
  std::function<data::DataModule(const RunConfig&, int64_t resize)> load;
};

const std::vector<ModelSpec>& models();
const std::vector<DataSpec>& datasets();
const ModelSpec& find_model(const std::string& name);  // throws with the close matches
const DataSpec& find_dataset(const std::string& name);

int64_t count_parameters(torch::nn::Module& model);

}  // namespace d2l::apps
