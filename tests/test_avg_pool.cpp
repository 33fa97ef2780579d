// d2l's average pooling (models/layers/avg_pool.h) against LibTorch's: the same values and
// gradients on its fast path (windows that tile the input) and on every fallback.
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/nn/functional/pooling.h>

#include "models/layers/avg_pool.h"

namespace {

namespace F = torch::nn::functional;
using torch::nn::AvgPool2dOptions;

struct Pooled {
  torch::Tensor out, grad;
};

// Output and input gradient for an upstream gradient G.
template <typename Pool>
Pooled pool_and_grad(const torch::Tensor& X, const torch::Tensor& G, Pool pool) {
  auto x = X.detach().clone().requires_grad_();
  auto out = pool(x);
  out.backward(G);
  return {out.detach(), x.grad()};
}

void expect_same_as_torch(const torch::Tensor& X, const AvgPool2dOptions& options, bool exact = true) {
  const auto G = torch::randn_like(F::avg_pool2d(X, options));
  const auto expected = pool_and_grad(X, G, [&](const torch::Tensor& x) { return F::avg_pool2d(x, options); });
  const auto ours = pool_and_grad(X, G, [&](const torch::Tensor& x) { return d2l::models::avg_pool2d(x, options); });
  ASSERT_EQ(ours.out.sizes(), expected.out.sizes());
  ASSERT_EQ(ours.grad.sizes(), X.sizes());
  if (exact) {
    EXPECT_TRUE(torch::equal(ours.out, expected.out));
    EXPECT_TRUE(torch::equal(ours.grad, expected.grad));
  } else {
    EXPECT_TRUE(torch::allclose(ours.out.to(torch::kFloat), expected.out.to(torch::kFloat), 1e-2, 1e-2));
    EXPECT_TRUE(torch::allclose(ours.grad.to(torch::kFloat), expected.grad.to(torch::kFloat), 1e-2, 1e-2));
  }
}

}  // namespace

TEST(AvgPool, TilingWindowsGiveTorchsValuesAndGradientsBitForBit) {
  torch::manual_seed(0);
  expect_same_as_torch(torch::randn({32, 6, 28, 28}), AvgPool2dOptions(2));              // LeNet
  expect_same_as_torch(torch::randn({2, 3, 9, 12}), AvgPool2dOptions(3));                // 3 x 3
  expect_same_as_torch(torch::randn({2, 3, 8, 12}), AvgPool2dOptions({2, 4}));           // not square
  expect_same_as_torch(torch::randn({3, 8, 8}), AvgPool2dOptions(2));                    // no batch
  expect_same_as_torch(torch::randn({4, 5, 6, 6}, torch::kDouble), AvgPool2dOptions(2));
  expect_same_as_torch(torch::randn({1, 1, 1, 1}), AvgPool2dOptions(1));
}

TEST(AvgPool, BFloat16AgreesWithTorch) {
  torch::manual_seed(0);
  expect_same_as_torch(torch::randn({4, 6, 28, 28}).to(torch::kBFloat16), AvgPool2dOptions(2), /*exact=*/false);
}

TEST(AvgPool, EveryOtherCaseIsTorchsOwn) {
  torch::manual_seed(0);
  const auto X = torch::randn({2, 3, 7, 8});
  expect_same_as_torch(X, AvgPool2dOptions(2).stride(1));                       // overlapping windows
  expect_same_as_torch(X, AvgPool2dOptions(2).padding(1));                      // padding
  expect_same_as_torch(X, AvgPool2dOptions(2).padding(1).count_include_pad(false));
  expect_same_as_torch(X, AvgPool2dOptions(2));                                 // 7 rows: the last one dropped
  expect_same_as_torch(X, AvgPool2dOptions(2).ceil_mode(true));                 // ... or a partial window
  expect_same_as_torch(X.narrow(3, 0, 6), AvgPool2dOptions(2).divisor_override(3));
  expect_same_as_torch(torch::randn({2, 3, 8, 8}).contiguous(torch::MemoryFormat::ChannelsLast), AvgPool2dOptions(2));
  expect_same_as_torch(torch::randn({2, 8, 8, 3}).permute({0, 3, 1, 2}), AvgPool2dOptions(2));  // strided
}

TEST(AvgPool, AnEmptyBatchGivesAnEmptyOutput) {
  const auto out = d2l::models::avg_pool2d(torch::randn({0, 3, 8, 8}), AvgPool2dOptions(2));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{0, 3, 4, 4}));
}

TEST(AvgPool, GradientsOfGradientsMatchTorchs) {
  torch::manual_seed(0);
  const auto X = torch::randn({2, 3, 8, 8});
  const auto second_order = [&](auto pool) {
    auto x = X.clone().requires_grad_();
    const auto g = torch::autograd::grad({pool(x).pow(2).sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    (g * g).sum().backward();  // d/dx of |dL/dx|^2 runs the first backward's graph
    return x.grad();
  };
  const auto ours = second_order([](const torch::Tensor& x) { return d2l::models::avg_pool2d(x, AvgPool2dOptions(2)); });
  const auto expected = second_order([](const torch::Tensor& x) { return F::avg_pool2d(x, AvgPool2dOptions(2)); });
  ASSERT_TRUE(ours.defined());
  EXPECT_GT(expected.abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::allclose(ours, expected, 1e-6, 1e-6));
}

TEST(AvgPool, ASumsExpandedGradientSpreadsEvenly) {
  auto x = torch::randn({2, 3, 4, 6}).requires_grad_();
  d2l::models::avg_pool2d(x, AvgPool2dOptions(2)).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::full_like(x, 0.25)));
}

TEST(AvgPool, ATracedModuleHoldsTorchsAvgPool) {
  d2l::models::AvgPool2d pool(AvgPool2dOptions(2));
  const auto X = torch::randn({1, 2, 4, 4});
  auto traced = torch::jit::tracer::trace(
      {X}, [&](torch::jit::Stack in) -> torch::jit::Stack { return {pool(in[0].toTensor())}; },
      [](const torch::autograd::Variable&) { return std::string(); });
  std::ostringstream graph;
  graph << *traced.first->graph;
  EXPECT_NE(graph.str().find("aten::avg_pool2d"), std::string::npos) << graph.str();
}

TEST(AvgPool, PrintsLikeTorchsModule) {
  std::ostringstream printed;
  printed << d2l::models::AvgPool2d(AvgPool2dOptions(2));
  EXPECT_EQ(printed.str(), "d2l::AvgPool2d(kernel_size=[2, 2], stride=[2, 2], padding=[0, 0])");
}
