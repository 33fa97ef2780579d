// Attention scoring (d2l 11.3): masking by valid length, and the two scoring functions against
// their formulas written out here.
#include <gtest/gtest.h>

#include <cmath>

#include "models/layers/attention.h"

using namespace d2l::models;

TEST(MaskedSoftmax, IgnoresKeysPastEachValidLength) {
  // The book's example: two examples with valid lengths 2 and 3 over 4 keys.
  const auto X = torch::rand({2, 2, 4});
  const auto P = masked_softmax(X, torch::tensor({2, 3}));
  EXPECT_TRUE(torch::allclose(P.sum(-1), torch::ones({2, 2})));
  EXPECT_EQ(P[0].slice(1, 2, 4).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(P[1].slice(1, 3, 4).abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(P[0].slice(1, 0, 2), torch::softmax(X[0].slice(1, 0, 2), -1)));
}

TEST(MaskedSoftmax, TakesOneLengthPerQuery) {
  const auto X = torch::rand({2, 2, 4});
  const auto P = masked_softmax(X, torch::tensor({{1, 3}, {2, 4}}));
  EXPECT_NEAR(P[0][0][0].item<float>(), 1.0f, 1e-6);
  EXPECT_EQ(P[0][1][3].item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(P[1][1], torch::softmax(X[1][1], -1)));
  EXPECT_TRUE(torch::allclose(masked_softmax(X, {}), torch::softmax(X, -1)));
}

TEST(AdditiveAttention, FollowsItsFormulaAndTheBooksShapes) {
  // d2l 11.3.2: queries (2, 1, 20), keys (2, 10, 2), values (2, 10, 4), valid lengths (2, 6).
  AdditiveAttention attention(AdditiveAttentionOptions(2, 20, 8));
  attention->eval();
  const auto queries = torch::normal(0, 1, {2, 1, 20});
  const auto keys = torch::ones({2, 10, 2});
  const auto values = torch::arange(40, torch::kFloat32).reshape({1, 10, 4}).repeat({2, 1, 1});
  const auto out = attention->forward(queries, keys, values, torch::tensor({2, 6}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 1, 4}));
  // All keys are equal, so the weights are uniform over the valid ones: the mean of those values.
  EXPECT_TRUE(torch::allclose(out[0][0], values[0].slice(0, 0, 2).mean(0)));
  EXPECT_TRUE(torch::allclose(out[1][0], values[1].slice(0, 0, 6).mean(0)));
  const auto scores = attention->w_v(torch::tanh(attention->W_q(queries).unsqueeze(2) + attention->W_k(keys).unsqueeze(1)));
  EXPECT_EQ(scores.sizes(), (std::vector<int64_t>{2, 1, 10, 1}));
}

TEST(DotProductAttention, ScalesByTheSquareRootOfTheFeatureSize) {
  DotProductAttention attention;
  const auto queries = torch::rand({2, 3, 5}), keys = torch::rand({2, 4, 5}), values = torch::rand({2, 4, 6});
  const auto out = attention->forward(queries, keys, values, torch::tensor({4, 4}));
  const auto expected = torch::bmm(torch::softmax(torch::bmm(queries, keys.transpose(1, 2)) / std::sqrt(5.0), -1), values);
  EXPECT_TRUE(torch::allclose(out, expected, 1e-5, 1e-6));
  EXPECT_EQ(attention->attention_weights.sizes(), (std::vector<int64_t>{2, 3, 4}));
}
