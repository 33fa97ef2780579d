// Every registered model: output shape and parameter count equal to the book's PyTorch model.
// The expected counts were computed once with Debian's python3-torch 1.13 from the book's code
// (e.g. sum(p.numel() for p in net.parameters()) for d2l's LeNet) and are written out here.
#include <gtest/gtest.h>

#include "apps/registry.h"
#include "models/init.h"
#include "models/layers/batch_norm.h"
#include "models/lenet.h"

using namespace d2l;

namespace {

struct Expected {
  std::string model;
  std::vector<int64_t> input_shape;
  int64_t num_outputs;
  int64_t parameters;
  int64_t buffer_elements;
};

void PrintTo(const Expected& e, std::ostream* out) { *out << e.model << " (" << e.parameters << " parameters)"; }

class RegisteredModel : public ::testing::TestWithParam<Expected> {};

}  // namespace

TEST_P(RegisteredModel, OutputShapeAndParameterCountMatchTheBook) {
  const auto& e = GetParam();
  const auto& spec = apps::find_model(e.model);
  auto model = spec.make({e.input_shape, e.num_outputs, {}});
  int64_t buffers = 0;
  for (const auto& b : model.ptr()->buffers()) buffers += b.numel();
  EXPECT_EQ(apps::count_parameters(*model.ptr()), e.parameters);
  EXPECT_EQ(buffers, e.buffer_elements);
  std::vector<int64_t> batch_shape{4};
  batch_shape.insert(batch_shape.end(), e.input_shape.begin(), e.input_shape.end());
  model.ptr()->train();
  const auto y = model.forward(torch::randn(batch_shape));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{4, e.num_outputs}));
}

INSTANTIATE_TEST_SUITE_P(Book, RegisteredModel,
                         ::testing::Values(Expected{"linear-regression", {2}, 1, 3, 0},
                                           Expected{"linear-regression-concise", {2}, 1, 3, 0},
                                           Expected{"linear-regression-concise", {200}, 1, 201, 0},
                                           Expected{"softmax-regression", {1, 28, 28}, 10, 7850, 0},
                                           Expected{"mlp", {1, 28, 28}, 10, 203530, 0},
                                           Expected{"dropout-mlp", {1, 28, 28}, 10, 269322, 0},
                                           Expected{"lenet", {1, 28, 28}, 10, 61706, 0},
                                           // nn.BatchNorm also counts num_batches_tracked (4 buffers of 1).
                                           Expected{"bn-lenet", {1, 28, 28}, 10, 44878, 456},
                                           Expected{"bn-lenet-scratch", {1, 28, 28}, 10, 44878, 452}),
                         [](const auto& info) {
                           std::string name = info.param.model + "_" + std::to_string(info.param.parameters);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Registry, EveryModelIsCovered) {
  // A new model needs a row above: this fails until it has one.
  EXPECT_EQ(apps::models().size(), 8u);
}

TEST(Registry, UnknownModelSuggestsCloseNames) {
  try {
    apps::find_model("lenett");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean lenet"), std::string::npos) << e.what();
  }
}

TEST(LeNet, ParameterNamesFollowTheBooksSequential) {
  models::LeNet net;
  std::vector<std::string> names;
  for (const auto& p : net->named_parameters()) names.push_back(p.key());
  EXPECT_EQ(names,
            (std::vector<std::string>{"net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias", "net.7.weight",
                                      "net.7.bias", "net.9.weight", "net.9.bias", "net.11.weight", "net.11.bias"}));
}

TEST(BatchNorm, TrainingNormalisesWithBatchStatisticsAndUpdatesMovingAverages) {
  models::BatchNorm bn(models::BatchNormOptions(2, 2));
  const auto X = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  const auto Y = bn->forward(X);
  // mean (2, 3), biased variance (1, 1): outputs are -1 and +1 (up to eps).
  EXPECT_TRUE(torch::allclose(Y, torch::tensor({{-1.0f, -1.0f}, {1.0f, 1.0f}}), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(bn->moving_mean, torch::tensor({{0.2f, 0.3f}})));
  EXPECT_TRUE(torch::allclose(bn->moving_var, torch::tensor({{1.0f, 1.0f}})));
}

TEST(BatchNorm, PredictionUsesMovingStatistics) {
  models::BatchNorm bn(models::BatchNormOptions(3, 4));
  bn->eval();
  const auto X = torch::randn({2, 3, 4, 4});
  // Fresh moving statistics are mean 0, variance 1: the output is X / sqrt(1 + eps).
  EXPECT_TRUE(torch::allclose(bn->forward(X), X / std::sqrt(1.0 + 1e-5), 1e-5, 1e-6));
}

TEST(Init, XavierKeepsBiasesAndNormalZeroesThem) {
  models::LeNet net;
  const auto bias_before = net->named_parameters()["net.0.bias"].clone();
  models::apply_init(*net, models::Init::xavier);
  EXPECT_TRUE(torch::equal(net->named_parameters()["net.0.bias"], bias_before));
  // xavier_uniform bound for conv1 (fan_in 25, fan_out 150): sqrt(6 / 175).
  EXPECT_LE(net->named_parameters()["net.0.weight"].abs().max().item<double>(), std::sqrt(6.0 / 175.0));
  models::apply_init(*net, models::Init::normal);
  EXPECT_EQ(net->named_parameters()["net.0.bias"].abs().sum().item<double>(), 0.0);
  EXPECT_NEAR(net->named_parameters()["net.7.weight"].std().item<double>(), 0.01, 0.001);
}
