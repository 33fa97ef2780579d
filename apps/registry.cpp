#include "apps/registry.h"

#include <stdexcept>

#include "apps/suggest.h"
#include "data/fashion_mnist.h"
#include "data/synthetic_regression.h"
#include "models/lenet.h"
#include "models/linear_regression.h"
#include "models/mlp.h"

namespace d2l::apps {
namespace {

using torch::nn::AnyModule;

int64_t flat_size(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

AnyModule lenet(const ModelArgs& a, models::BatchNormKind bn) {
  return AnyModule(models::LeNet(models::LeNetOptions()
                                     .in_channels(a.input_shape[0])
                                     .image_size(a.input_shape[1])
                                     .num_classes(a.num_outputs)
                                     .batch_norm(bn)));
}

AnyModule mlp(const ModelArgs& a, std::vector<int64_t> hiddens, std::vector<double> dropout) {
  if (!a.dropout.empty()) dropout = a.dropout;
  return AnyModule(models::MLP(models::MLPOptions()
                                   .num_inputs(flat_size(a.input_shape))
                                   .num_hiddens(hiddens)
                                   .num_outputs(a.num_outputs)
                                   .dropouts(dropout)));
}

data::MNISTOptions mnist_options(const RunConfig& c, int64_t resize) {
  data::MNISTOptions options;
  if (!c.data_dir.empty()) options.data_dir(std::filesystem::path(c.data_dir));
  return options.resize(resize).limit_train(c.limit_train).limit_val(c.limit_test);
}

data::DataModule limited(data::DataModule dm, const RunConfig& c) {
  dm.train = dm.train.head(c.limit_train);
  dm.val = dm.val.head(c.limit_test);
  return dm;
}

}  // namespace

const std::vector<ModelSpec>& models() {
  using models::BatchNormKind;
  const ModelDefaults fashion{"fashion-mnist", 10, 256, 0.1, "normal", 0};
  const ModelDefaults cnn{"fashion-mnist", 10, 256, 0.9, "xavier", 0};  // train_ch6
  const ModelDefaults regression{"synthetic-regression", 3, 32, 0.03, "none", 0};
  static const std::vector<ModelSpec> table = {
      {"linear-regression", "Linear regression from scratch", "3.4", TaskKind::regression_half_squared, regression,
       [](const ModelArgs& a) {
         return AnyModule(models::LinearRegression(
             models::LinearRegressionOptions().num_inputs(flat_size(a.input_shape)).scratch(true)));
       }},
      {"linear-regression-concise", "Concise linear regression", "3.5", TaskKind::regression, regression,
       [](const ModelArgs& a) {
         return AnyModule(
             models::LinearRegression(models::LinearRegressionOptions().num_inputs(flat_size(a.input_shape))));
       }},
      {"softmax-regression", "Softmax regression", "4.5", TaskKind::classification, fashion,
       [](const ModelArgs& a) {
         return AnyModule(
             models::LinearRegression(models::softmax_regression_options(flat_size(a.input_shape), a.num_outputs)));
       }},
      {"mlp", "Multilayer perceptron", "5.2", TaskKind::classification, fashion,
       [](const ModelArgs& a) { return mlp(a, {256}, {}); }, true},
      {"dropout-mlp",
       "MLP with dropout",
       "5.6",
       TaskKind::classification,
       {"fashion-mnist", 10, 256, 0.1, "none", 0},
       [](const ModelArgs& a) {
         return mlp(a, {256, 256}, {0.5, 0.5});
       },
       true},
      {"lenet", "LeNet", "7.6", TaskKind::classification, cnn,
       [](const ModelArgs& a) { return lenet(a, BatchNormKind::none); }},
      {"bn-lenet-scratch",
       "LeNet with the book's BatchNorm",
       "8.5",
       TaskKind::classification,
       {"fashion-mnist", 10, 256, 1.0, "xavier", 0},
       [](const ModelArgs& a) { return lenet(a, BatchNormKind::scratch); }},
      {"bn-lenet",
       "LeNet with nn::BatchNorm",
       "8.5",
       TaskKind::classification,
       {"fashion-mnist", 10, 256, 1.0, "xavier", 0},
       [](const ModelArgs& a) { return lenet(a, BatchNormKind::builtin); }},
  };
  return table;
}

const std::vector<DataSpec>& datasets() {
  static const std::vector<DataSpec> table = {
      {"fashion-mnist",
       "Fashion-MNIST, 60,000 + 10,000 gray 28x28 images of 10 clothes (d2l 4.2)",
       {1, 28, 28},
       10,
       [](const RunConfig& c, int64_t resize) { return data::fashion_mnist(mnist_options(c, resize)); }},
      {"mnist",
       "MNIST handwritten digits, same format as Fashion-MNIST",
       {1, 28, 28},
       10,
       [](const RunConfig& c, int64_t resize) { return data::mnist(mnist_options(c, resize)); }},
      {"synthetic-regression",
       "y = Xw + b + noise, w = [2, -3.4], b = 4.2, 1000 + 1000 examples (d2l 3.3)",
       {2},
       1,
       [](const RunConfig& c, int64_t) {
         return limited(data::synthetic_regression(data::SyntheticRegressionOptions().seed(c.seed)), c);
       }},
      {"high-dim-regression",
       "200 inputs, 20 training examples: the weight-decay data (d2l 3.7)",
       {200},
       1,
       [](const RunConfig& c, int64_t) {
         return limited(data::synthetic_regression(data::high_dim_regression_options().seed(c.seed)), c);
       }},
  };
  return table;
}

namespace {

template <typename Spec>
const Spec& find_by_name(const std::vector<Spec>& table, const std::string& what, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& spec : table) {
    if (spec.name == name) return spec;
    names.push_back(spec.name);
  }
  throw std::invalid_argument(unknown_name_message(what, name, names));
}

}  // namespace

const ModelSpec& find_model(const std::string& name) { return find_by_name(models(), "model", name); }

const DataSpec& find_dataset(const std::string& name) { return find_by_name(datasets(), "data set", name); }

int64_t count_parameters(torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

}  // namespace d2l::apps
