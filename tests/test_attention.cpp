// Attention scoring (d2l 11.3): masking by valid length, and the two scoring functions against
// their formulas written out here.
#include <gtest/gtest.h>

#include <cmath>

#include "models/layers/attention.h"
#include "models/layers/multi_head_attention.h"
#include <torch/nn/modules/activation.h>

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

TEST(MultiHeadAttention, EqualsLibTorchsGivenTheSameWeightsAndMasks) {
  torch::manual_seed(0);
  const int64_t E = 16, heads = 4;
  MultiHeadAttention mine(MultiHeadAttentionOptions(E, heads).bias(true));
  torch::nn::MultiheadAttention theirs(torch::nn::MultiheadAttentionOptions(E, heads));
  {
    torch::NoGradGuard no_grad;
    const auto W = theirs->in_proj_weight.chunk(3), b = theirs->in_proj_bias.chunk(3);
    mine->W_q->weight.copy_(W[0]);
    mine->W_k->weight.copy_(W[1]);
    mine->W_v->weight.copy_(W[2]);
    mine->W_q->bias.copy_(b[0]);
    mine->W_k->bias.copy_(b[1]);
    mine->W_v->bias.copy_(b[2]);
    mine->W_o->weight.copy_(theirs->out_proj->weight);
    mine->W_o->bias.copy_(theirs->out_proj->bias);
  }
  mine->eval();
  theirs->eval();
  const auto Q = torch::randn({2, 3, E}), K = torch::randn({2, 5, E}), V = torch::randn({2, 5, E});
  // LibTorch's layout is [length, batch, features]; its key padding mask is true where ignored.
  const auto lens = torch::tensor({5, 2});
  const auto padding = torch::arange(5).unsqueeze(0) >= lens.unsqueeze(1);
  for (const bool masked : {false, true}) {
    const auto expected = std::get<0>(theirs->forward(Q.transpose(0, 1), K.transpose(0, 1), V.transpose(0, 1),
                                                      masked ? padding : torch::Tensor()))
                              .transpose(0, 1);
    const auto got = mine->forward(Q, K, V, masked ? lens : torch::Tensor());
    EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5)) << (masked ? "with" : "without") << " mask";
  }
  EXPECT_THROW(MultiHeadAttention(MultiHeadAttentionOptions(10, 4)), std::invalid_argument);
}
