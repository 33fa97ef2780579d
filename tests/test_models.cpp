// Every registered model: output shape and parameter count equal to the book's PyTorch model.
// The expected counts were computed once with Debian's python3-torch 1.13 from the book's code
// (e.g. sum(p.numel() for p in net.parameters()) for d2l's LeNet) and are written out here.
#include <gtest/gtest.h>

#include "apps/registry.h"
#include "models/init.h"
#include "models/layers/batch_norm.h"
#include "models/densenet.h"
#include "models/layers/residual.h"
#include "models/lenet.h"
#include "models/resnet.h"

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
                                           Expected{"bn-lenet-scratch", {1, 28, 28}, 10, 44878, 452},
                                           // Chapter 8, counted on the book's zh-v2 / en-0.17 code. The networks
                                           // pool adaptively, so small inputs keep the tests fast.
                                           Expected{"alexnet", {1, 96, 96}, 10, 46764746, 0},
                                           Expected{"vgg11", {1, 32, 32}, 10, 43093322, 0},
                                           Expected{"vgg11-full", {1, 32, 32}, 10, 128806154, 0},
                                           Expected{"nin", {1, 96, 96}, 10, 1992166, 0},
                                           Expected{"googlenet", {1, 32, 32}, 10, 5977530, 0},
                                           Expected{"resnet18", {1, 32, 32}, 10, 11178378, 7825},
                                           Expected{"densenet", {1, 32, 32}, 10, 758226, 6629},
                                           // en-1.0 11.8's ViT at 96 x 96 (36 patches + class token), counted
                                           // on the same layers in Python.
                                           Expected{"vit", {1, 96, 96}, 10, 6457866, 0},
                                           // torchvision's SwinTransformer(patch_size=[2, 2], embed_dim=48,
                                           // depths=[2, 2, 2], num_heads=[3, 6, 12], window_size=[4, 4]) with
                                           // a 1-channel stem; buffers: the relative position indices.
                                           Expected{"swin", {1, 32, 32}, 10, 1267972, 1536}),
                         [](const auto& info) {
                           std::string name = info.param.model + "_" + std::to_string(info.param.parameters);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// torchvision 0.14 with num_classes=10, e.g. sum(p.numel() for p in resnet18(num_classes=10).parameters()).
INSTANTIATE_TEST_SUITE_P(Torchvision, RegisteredModel,
                         ::testing::Values(Expected{"tv-alexnet", {3, 64, 64}, 10, 57044810, 0},
                                           Expected{"tv-swin-t", {3, 224, 224}, 10, 27527044, 28812},
                                           Expected{"tv-vgg11", {3, 32, 32}, 10, 128807306, 0},
                                           Expected{"tv-vgg11-bn", {3, 32, 32}, 10, 128812810, 5512},
                                           Expected{"tv-vgg16", {3, 32, 32}, 10, 134301514, 0},
                                           Expected{"tv-vgg16-bn", {3, 32, 32}, 10, 134309962, 8461},
                                           Expected{"tv-vgg19", {3, 32, 32}, 10, 139611210, 0},
                                           Expected{"tv-vgg19-bn", {3, 32, 32}, 10, 139622218, 11024},
                                           Expected{"tv-googlenet", {3, 64, 64}, 10, 9960638, 15131},
                                           Expected{"tv-resnet18", {3, 32, 32}, 10, 11181642, 9620},
                                           Expected{"tv-resnet34", {3, 32, 32}, 10, 21289802, 17060},
                                           Expected{"tv-resnet50", {3, 32, 32}, 10, 23528522, 53173},
                                           Expected{"tv-resnext50-32x4d", {3, 32, 32}, 10, 23000394, 68277},
                                           Expected{"tv-densenet121", {3, 32, 32}, 10, 6964106, 83769}),
                         [](const auto& info) {
                           std::string name = info.param.model;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Registry, EveryModelIsCovered) {
  // A new model needs a row above: this fails until it has one.
  // The text models are counted in test_sequence.cpp, MAE in test_mae.cpp, FCN and U-Net in
  // test_segmentation.cpp, neural-style in test_style_transfer.cpp, gan and dcgan in test_gan.cpp, cyclegan in test_cyclegan.cpp.
  EXPECT_EQ(apps::models().size(), 51u);
}

TEST(ResNet, ChildrenCarryTorchvisionNames) {
  models::ResNet net(models::resnet18());
  const auto params = net->named_parameters();
  for (const auto* name : {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                           "layer2.0.downsample.1.bias", "layer4.1.bn2.bias", "fc.weight"})
    EXPECT_TRUE(params.contains(name)) << name;
  EXPECT_FALSE(params.contains("conv1.bias"));  // torchvision's convolutions have no bias
  EXPECT_TRUE(net->named_buffers().contains("layer3.1.bn1.num_batches_tracked"));
}

TEST(ResNet, FeaturesAndHeadSplitTheForwardPass) {
  models::ResNet net(models::resnet18().num_classes(7));
  net->eval();
  const auto X = torch::randn({2, 3, 64, 64});
  const auto F = net->forward_features(X);
  EXPECT_EQ(F.sizes(), (std::vector<int64_t>{2, 512, 2, 2}));  // stride 32
  EXPECT_TRUE(torch::allclose(net->forward_head(F), net->forward(X)));
}

TEST(Residual, BookBlockHalvesResolutionWithAShortcutConvolution) {
  // d2l 8.6: Residual(6, use_1x1conv=True, strides=2) on a 4x3x6x6 input gives 4x6x3x3.
  models::Residual block(models::ResidualOptions(3, 6).stride(2).conv_bias(true).shortcut_bn(false));
  EXPECT_EQ(block->forward(torch::randn({4, 3, 6, 6})).sizes(), (std::vector<int64_t>{4, 6, 3, 3}));
  EXPECT_TRUE(block->named_parameters().contains("downsample.0.bias"));
}

TEST(ResNeXtBlock, KeepsTheShapeAsInTheBook) {
  // d2l en-1.0 8.6.5: ResNeXtBlock(32, 16, 1) maps 4x32x96x96 to 4x32x96x96 (here 16x16).
  models::ResNeXtBlock block(models::ResNeXtBlockOptions(32, 16, 1));
  EXPECT_EQ(block->forward(torch::randn({4, 32, 16, 16})).sizes(), (std::vector<int64_t>{4, 32, 16, 16}));
  EXPECT_EQ(block->conv2->options.groups(), 2);  // 32 bottleneck channels in groups of 16
}

TEST(DenseNet, BookChannelsGrowAndHalveAsInTheBook) {
  models::DenseNet net(models::book_densenet());
  // 64 -> 192 -> 96 -> 224 -> 112 -> 240 -> 120 -> 248 channels.
  EXPECT_EQ(net->classifier->options.in_features(), 248);
  EXPECT_TRUE(net->named_parameters().contains("features.denseblock4.denselayer4.conv1.bias"));
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

TEST(Registry, EveryNamedHeadIsTheOutputLayer) {
  // --new-head replaces the parameters under these prefixes: they must exist and produce the
  // model's outputs (a first dimension of num_outputs).
  for (const auto& spec : apps::models()) {
    if (spec.head.empty()) continue;
    const bool gray = spec.defaults.channels == 0;
    const int64_t side = spec.defaults.resize > 0 ? spec.defaults.resize : 64;  // Swin's windows need theirs
    auto model = spec.make({{gray ? 1 : 3, side, side}, 7, {}});
    int64_t matched = 0;
    for (const auto& p : model.ptr()->named_parameters())
      for (const auto& prefix : spec.head)
        if (p.key().rfind(prefix, 0) == 0) {
          ++matched;
          EXPECT_EQ(p.value().size(0), 7) << spec.name << " " << p.key();
        }
    EXPECT_GE(matched, 2) << spec.name;
  }
}
