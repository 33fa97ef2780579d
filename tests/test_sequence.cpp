// Recurrent models and their tasks (d2l 9-11): the from-scratch layers against torch::nn's,
// shapes, the masked loss, carried state, the text data modules, and short training runs that
// must learn (language modelling on the GPL's text, translation of generated dates).
#include <gtest/gtest.h>

#include <fstream>

#include "apps/experiment.h"
#include "data/text_data.h"
#include "models/rnn_lm.h"
#include "models/seq2seq.h"
#include "models/transformer.h"
#include "tests/helpers.h"
#include "train/bleu.h"
#include "train/tasks/language_model.h"
#include "train/tasks/seq2seq.h"
#include "train/torchscript.h"

using namespace d2l;

namespace {

torch::Tensor tokens(int64_t batch, int64_t steps, int64_t vocab = 28) {
  return torch::randint(vocab, {batch, steps}, torch::kInt64);
}

// Copies torch::nn's single-layer weights into the book's layout: W_x* = W_ih^T per gate,
// b_* = b_ih + b_hh. `gates` names torch's gate blocks in order (LSTM: i, f, g = c, o).
void copy_into_scratch(models::RNNLMImpl& scratch, torch::nn::Module& rnn, const std::vector<std::string>& gates) {
  torch::NoGradGuard no_grad;
  const auto params = rnn.named_parameters();
  const auto W_ih = params["weight_ih_l0"].chunk(static_cast<int64_t>(gates.size()));
  const auto W_hh = params["weight_hh_l0"].chunk(static_cast<int64_t>(gates.size()));
  const auto b = (params["bias_ih_l0"] + params["bias_hh_l0"]).chunk(static_cast<int64_t>(gates.size()));
  auto mine = scratch.named_parameters();
  for (size_t g = 0; g < gates.size(); ++g) {
    mine["rnn.rnns.0.W_x" + gates[g]].copy_(W_ih[g].t());
    mine["rnn.rnns.0.W_h" + gates[g]].copy_(W_hh[g].t());
    mine["rnn.rnns.0.b_" + gates[g]].copy_(b[g]);
  }
}

void expect_same_model(models::CellKind cell, const std::vector<std::string>& gates) {
  torch::manual_seed(0);
  const auto options = models::RNNLMOptions(28).num_hiddens(16).cell(cell);
  models::RNNLM library(options), scratch(models::RNNLMOptions(options).scratch(true));
  copy_into_scratch(*scratch, *library->named_children()[0].value(), gates);
  {
    torch::NoGradGuard no_grad;
    scratch->linear->weight.copy_(library->linear->weight);
    scratch->linear->bias.copy_(library->linear->bias);
  }
  const auto X = tokens(3, 7);
  auto [expected, expected_state] = library->forward_with_state(X, {});
  auto [got, got_state] = scratch->forward_with_state(X, {});
  EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(got_state, expected_state, 1e-5, 1e-6));
  // Continuing from a state agrees as well.
  const auto X2 = tokens(3, 4);
  EXPECT_TRUE(torch::allclose(std::get<0>(scratch->forward_with_state(X2, got_state)),
                              std::get<0>(library->forward_with_state(X2, expected_state)), 1e-5, 1e-6));
}

}  // namespace

TEST(RNNScratch, EqualsNnRNNGivenTheSameWeights) { expect_same_model(models::CellKind::rnn, {"h"}); }

TEST(RNNScratch, EqualsNnLSTMGivenTheSameWeights) { expect_same_model(models::CellKind::lstm, {"i", "f", "c", "o"}); }

TEST(RNNScratch, HandWrittenBackpropagationThroughTimeEqualsAutograd) {
  // The scratch RNN's backward (TanhRecurrence) against autograd on the book's plain loop, in
  // double precision, for every parameter and the initial state.
  torch::manual_seed(0);
  models::RNNScratch rnn(models::RNNScratchOptions(6, 5).sigma(0.5), 2);
  rnn->to(torch::kFloat64);
  const auto inputs = torch::randn({7, 3, 6}, torch::kFloat64);
  const auto H0 = torch::randn({2, 3, 5}, torch::kFloat64).requires_grad_();
  const auto target = torch::randn({7, 3, 5}, torch::kFloat64);
  auto [outputs, state] = rnn->forward(inputs, H0);
  ((outputs - target).pow(2).sum() + state.sum()).backward();

  std::vector<torch::Tensor> expected_grads;
  auto X = inputs;
  std::vector<torch::Tensor> last;
  const auto H0_copy = H0.detach().clone().requires_grad_();
  std::vector<torch::Tensor> params;
  for (int64_t layer = 0; layer < 2; ++layer) {
    auto p = rnn->rnns[layer]->named_parameters();
    const auto W_xh = p["W_xh"].detach().clone().requires_grad_(), W_hh = p["W_hh"].detach().clone().requires_grad_(),
               b_h = p["b_h"].detach().clone().requires_grad_();
    params.insert(params.end(), {W_xh, W_hh, b_h});
    auto H = H0_copy[layer];
    std::vector<torch::Tensor> Hs;
    for (const auto& X_t : X.unbind(0)) {  // the book's rnn function
      H = torch::tanh(torch::mm(X_t, W_xh) + torch::mm(H, W_hh) + b_h);
      Hs.push_back(H);
    }
    X = torch::stack(Hs);
    last.push_back(H);
  }
  ((X - target).pow(2).sum() + torch::stack(last).sum()).backward();
  EXPECT_TRUE(torch::allclose(outputs, X, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(H0.grad(), H0_copy.grad(), 1e-10, 1e-10));
  size_t i = 0;
  for (int64_t layer = 0; layer < 2; ++layer)
    for (const auto* name : {"W_xh", "W_hh", "b_h"}) {
      EXPECT_TRUE(torch::allclose(rnn->rnns[layer]->named_parameters()[name].grad(), params[i].grad(), 1e-10, 1e-10))
          << "layer " << layer << " " << name;
      ++i;
    }
}

TEST(RNNScratch, GRUFollowsTheBooksEquations) {
  // One step from H = 0: Z = sigmoid(X W_xz + b_z), H~ = tanh(X W_xh + b_h) (R * 0 vanishes),
  // H = Z * 0 + (1 - Z) * H~.
  torch::manual_seed(0);
  models::RNNCellScratch cell(models::RNNScratchOptions(5, 4).cell(models::CellKind::gru).sigma(0.5));
  const auto X = torch::randn({1, 2, 5});
  auto H = torch::zeros({2, 4});
  torch::Tensor C;
  cell->forward(X, H, C);
  auto p = cell->named_parameters();
  const auto Z = torch::sigmoid(X[0].mm(p["W_xz"]) + p["b_z"]);
  const auto H_tilde = torch::tanh(X[0].mm(p["W_xh"]) + p["b_h"]);
  EXPECT_TRUE(torch::allclose(H, (1 - Z) * H_tilde, 1e-6, 1e-6));
}

TEST(RNNLM, ShapesOfEveryVariant) {
  for (const auto& spec : apps::models()) {
    if (spec.task != apps::TaskKind::language_model) continue;
    auto args = apps::default_args(spec).value();
    auto net = spec.make(args).get<models::RNNLM>();
    auto [logits, state] = net->forward_with_state(tokens(3, 5), {});
    EXPECT_EQ(logits.sizes().vec(), (std::vector<int64_t>{3, 5, 28})) << spec.name;
    const int64_t layers = args.num_layers * (net->options.bidirectional() ? 2 : 1);
    const int64_t per_state = net->options.cell() == models::CellKind::lstm ? 2 : 1;
    EXPECT_EQ(state.sizes().vec(), (std::vector<int64_t>{per_state * layers, 3, args.num_hiddens})) << spec.name;
  }
}

TEST(RNNLM, ParameterCountsEqualTheBooksModels) {
  // The book's models with a vocabulary of 28, counted in Python: get_params(28, 512) for the
  // scratch RNN (and its GRU / LSTM versions at 256), sum(p.numel()) of nn.RNN(28, 256) +
  // nn.Linear(256, 28) and the like, en-1.0's 32-unit two-layer models.
  const std::map<std::string, int64_t> expected = {
      {"rnn-scratch", 291356}, {"rnn", 80412},        {"gru-scratch", 226076}, {"gru", 226844},
      {"lstm-scratch", 299036}, {"lstm", 300060},     {"deep-lstm", 826396},   {"deep-gru", 13212},
      {"stacked-rnn-scratch", 4956}, {"bi-lstm", 2177052}};
  int64_t language_models = 0;
  for (const auto& spec : apps::models()) {
    if (spec.task != apps::TaskKind::language_model) continue;
    ++language_models;
    ASSERT_TRUE(expected.count(spec.name)) << "add the book's count for " << spec.name;
    EXPECT_EQ(apps::count_parameters(*spec.make(apps::default_args(spec).value()).ptr()), expected.at(spec.name))
        << spec.name;
  }
  EXPECT_EQ(language_models, static_cast<int64_t>(expected.size()));
}

TEST(Seq2Seq, ParameterCountsEqualTheBooksModels) {
  // zh-v2 9.7 / 10.4 with vocabularies of 184 and 201: Embedding + GRU(32, 32, 2) encoder,
  // Embedding + GRU(64, 32, 2) + Linear decoder, plus W_k, W_q, w_v for attention (Python count).
  for (const auto& [attention, count] : {std::pair{false, int64_t{47369}}, {true, int64_t{49449}}}) {
    models::Seq2Seq net(models::Seq2SeqOptions(184, 201).attention(attention));
    EXPECT_EQ(apps::count_parameters(*net), count);
  }
}

TEST(RNNLM, GreedyPredictionExtendsThePrefix) {
  torch::manual_seed(0);
  models::RNNLM lm(models::RNNLMOptions(28).num_hiddens(8));
  const auto out = models::predict_tokens(*lm, {3, 4, 5}, 10);
  ASSERT_EQ(out.size(), 13u);
  EXPECT_EQ(std::vector<int64_t>(out.begin(), out.begin() + 3), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_THROW(models::predict_tokens(*lm, {}, 3), std::invalid_argument);
}

TEST(Seq2Seq, ShapesWithAndWithoutAttention) {
  for (bool attention : {false, true}) {
    torch::manual_seed(0);
    models::Seq2Seq net(models::Seq2SeqOptions(10, 12).embed_size(8).num_hiddens(16).num_layers(2).attention(attention));
    net->eval();
    const auto X = torch::randint(10, {4, 7}, torch::kInt64);
    const auto valid = torch::tensor({7, 3, 1, 5}, torch::kInt64);
    EXPECT_EQ(net->forward(X, X.remainder(12), valid).sizes().vec(), (std::vector<int64_t>{4, 7, 12}));
    const auto p = net->predict(X, valid, 1, 6);
    EXPECT_EQ(p.tokens.sizes().vec(), (std::vector<int64_t>{4, 6}));
    if (!attention) {
      EXPECT_FALSE(p.attention.defined());
      continue;
    }
    ASSERT_EQ(p.attention.sizes().vec(), (std::vector<int64_t>{4, 6, 7}));
    // Each step's weights sum to one over the source and vanish past its valid length.
    EXPECT_TRUE(torch::allclose(p.attention.sum(-1), torch::ones({4, 6}), 1e-5, 1e-5));
    EXPECT_LT(p.attention[1].slice(1, 3).abs().max().item<double>(), 1e-6);
    EXPECT_LT(p.attention[2].slice(1, 1).abs().max().item<double>(), 1e-6);
  }
}

TEST(Transformer, ParameterCountShapesAndCausalDecoding) {
  // zh-v2 10.7's sizes (32 hiddens, FFN 64, 4 heads, 2 blocks) with vocabularies 184 / 201,
  // counted in Python on the same layers: 60,937.
  torch::manual_seed(0);
  models::Transformer net(models::TransformerOptions(184, 201));
  EXPECT_EQ(apps::count_parameters(*net), 60937);
  net->eval();
  const auto X = torch::randint(184, {3, 6}, torch::kInt64), Y = torch::randint(201, {3, 5}, torch::kInt64);
  const auto valid = torch::tensor({6, 2, 4}, torch::kInt64);
  const auto logits = net->forward(X, Y, valid);
  EXPECT_EQ(logits.sizes().vec(), (std::vector<int64_t>{3, 5, 201}));
  // Causal: a position's output does not depend on later target tokens.
  auto Y2 = Y.clone();
  Y2.select(1, 4).fill_(7);
  EXPECT_TRUE(torch::allclose(net->forward(X, Y2, valid).narrow(1, 0, 4), logits.narrow(1, 0, 4), 1e-5, 1e-5));
  // Decoding one step at a time with the cache equals decoding the whole prefix at once.
  const auto enc = net->encode(X, valid);
  std::vector<torch::Tensor> caches;
  std::vector<torch::Tensor> steps;
  for (int64_t t = 0; t < 5; ++t) steps.push_back(net->decode(Y.narrow(1, t, 1), caches, enc, valid));
  EXPECT_TRUE(torch::allclose(torch::cat(steps, 1), logits, 1e-5, 1e-5));
  const auto p = net->predict(X, valid, 1, 4);
  EXPECT_EQ(p.tokens.sizes().vec(), (std::vector<int64_t>{3, 4}));
  ASSERT_EQ(p.attention.sizes().vec(), (std::vector<int64_t>{3, 4, 6}));
  EXPECT_LT(p.attention[1].slice(1, 2).abs().max().item<double>(), 1e-6);  // past the valid length
  // The encoder's self-attention: each source token over the valid source tokens.
  ASSERT_EQ(p.encoder_attention.sizes().vec(), (std::vector<int64_t>{3, 6, 6}));
  EXPECT_TRUE(torch::allclose(p.encoder_attention.sum(2), torch::ones({3, 6}), 1e-5, 1e-5));
  EXPECT_LT(p.encoder_attention[1].slice(1, 2).abs().max().item<double>(), 1e-6);
}

TEST(Seq2SeqTask, MaskedLossEqualsTheBooksExample) {
  // d2l 10.7: loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0]))
  // prints tensor([2.3026, 1.1513, 0.0000]).
  const auto l = train::masked_softmax_ce_loss(torch::ones({3, 4, 10}), torch::ones({3, 4}, torch::kInt64),
                                               torch::tensor({4, 2, 0}, torch::kInt64));
  EXPECT_TRUE(torch::allclose(l, torch::tensor({2.3026f, 1.1513f, 0.0f}), 1e-4, 1e-4));
}

TEST(Seq2SeqTask, ReadsPredictionsUpToEos) {
  EXPECT_EQ(train::until_eos(torch::tensor({5, 6, 2, 7}, torch::kInt64), 2), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(train::until_eos(torch::tensor({2, 7}, torch::kInt64), 2), (std::vector<int64_t>{}));
}

TEST(Bleu, TokenIndicesAndCorpusLevel) {
  EXPECT_DOUBLE_EQ(train::bleu(std::vector<int64_t>{1, 2, 3}, {1, 2, 3}, 2), 1.0);
  EXPECT_NEAR(train::bleu(std::vector<int64_t>{4, 5, 6}, {4, 5, 7, 8}, 2),
              train::bleu("il est calme", "il est malade .", 2), 1e-12);
  EXPECT_EQ(train::bleu(std::vector<int64_t>{}, {1}, 2), 0.0);
  // Corpus BLEU pools the counts: two sentences with p1 = 3/4 and 1/2 give p1 = 4/6 overall.
  const auto a = train::ngram_counts({1, 2, 3, 9}, {1, 2, 3, 4}, 1), b = train::ngram_counts({5, 9}, {5, 6}, 1);
  EXPECT_EQ(a.matches + b.matches, 4);
  EXPECT_EQ(a.total + b.total, 6);
  EXPECT_NEAR(train::corpus_bleu(6, 6, {4.0 / 6.0}), std::pow(4.0 / 6.0, 0.5), 1e-12);
  EXPECT_NEAR(train::corpus_bleu(3, 6, {1.0}), std::exp(1.0 - 2.0), 1e-12);  // brevity penalty
}

TEST(LanguageModelTask, CarriesTheStateOnlyWithSequentialPartitioning) {
  torch::manual_seed(0);
  models::RNNLM lm(models::RNNLMOptions(28).num_hiddens(8));
  const auto X1 = tokens(2, 5), X2 = tokens(2, 5);
  const data::Batch b1{X1, X1}, b2{X2, X2};
  const auto second_loss = [&](bool carry) {
    train::LanguageModelTask task(lm, train::LanguageModelOptions().carry_state(carry));
    task.on_train_epoch_start();
    task.training_step(b1);
    return task.training_step(b2).loss.item<double>();
  };
  const double fresh = train::LanguageModelTask(lm).training_step(b2).loss.item<double>();
  EXPECT_DOUBLE_EQ(second_loss(false), fresh);
  EXPECT_NE(second_loss(true), fresh);
  // A new epoch forgets the state.
  train::LanguageModelTask task(lm, train::LanguageModelOptions().carry_state(true));
  task.training_step(b1);
  task.on_train_epoch_start();
  EXPECT_DOUBLE_EQ(task.training_step(b2).loss.item<double>(), fresh);
}

TEST(LanguageModelData, SequentialEpochsContinueRowsAndDrawNewOffsets) {
  const auto dm = data::language_model_data(data::LanguageModelDataOptions(data::default_corpus()).num_steps(5));
  EXPECT_EQ(dm.vocab->size(), 28);
  EXPECT_EQ(dm.val.inputs.size(1), 5);
  auto loader = dm.train_loader(4, 7);
  const auto b0 = loader.batch(0), b1 = loader.batch(1);
  // Row r of batch 1 starts where row r of batch 0 ends: its first input is batch 0's last target.
  EXPECT_TRUE(torch::equal(b1.X.select(1, 0), b0.y.select(1, 4)));
  loader.set_epoch(1);
  const auto other = loader.batch(0);
  loader.set_epoch(0);
  EXPECT_TRUE(torch::equal(loader.batch(0).X, b0.X));  // an epoch's draw is reproducible
  EXPECT_FALSE(torch::equal(other.X, b0.X));
  // Training tokens stop at max_tokens; validation reads the text after them.
  EXPECT_LE(loader.num_examples() * 5, 10000);
}

TEST(LanguageModelData, BadCorporaAreClearErrors) {
  test::TempDir dir;
  std::ofstream(dir / "empty.txt") << "\n  \n123\n";
  std::ofstream(dir / "binary.bin", std::ios::binary) << std::string("ab\0cd\x01\x02 the text", 17);
  std::ofstream(dir / "tiny.txt") << "just a few words here\n";
  for (const auto* name : {"empty.txt", "binary.bin", "tiny.txt", "missing.txt"}) {
    try {
      auto dm = data::language_model_data(data::LanguageModelDataOptions(dir / name).num_steps(35));
      dm.train_loader(32, 0);
      FAIL() << name << " was accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(TranslationData, SourceAndTargetWithValidLengthsAndVocabularies) {
  const auto pairs = data::tokenize_nmt(data::preprocess_nmt(data::synthetic_date_pairs(300, 1)));
  const auto dm = data::translation_data(pairs, "dates", data::TranslationDataOptions().num_steps(12).num_train(250).num_val(50));
  EXPECT_EQ(dm.train.size(), 250);
  EXPECT_EQ(dm.val.size(), 50);
  EXPECT_EQ(dm.vocab->size(), 4 + 11);  // <unk> <pad> <bos> <eos>, digits and '-'
  EXPECT_EQ(dm.train.target_valid_lens[0].item<int64_t>(), 11);  // 10 characters and <eos>
  auto loader = dm.train_loader(16, 0);
  const auto batch = loader.batch(0);
  ASSERT_TRUE(batch.X_valid_len.defined() && batch.y_valid_len.defined());
  EXPECT_EQ(batch.X_valid_len.size(0), 16);
  EXPECT_THROW(data::translation_data({}, "none", {}), std::invalid_argument);
}

TEST(Learning, GRULanguageModelLowersPerplexityFarBelowTheVocabularySize) {
  // Measured: 6 epochs of the book's GRU (256 hiddens, batch 32, 35 steps, SGD lr 1 -> here
  // Adam) on the GPL's first 10,000 characters reach a validation perplexity near 8.
  auto c = test::quick_run("gru", "gpl3");
  c.epochs = 6;
  c.optimizer = "adam";
  c.lr = 0.01;
  test::TempDir dir;
  c.out = (dir / "run").string();
  const auto run = apps::run_training(c);
  const auto& last = run.result.history.rows.back();
  EXPECT_LT(last.at("test_ppl"), 11.0);  // vocabulary: 28; a uniform guess has perplexity 28
  EXPECT_LT(last.at("train_ppl"), run.result.history.rows.front().at("train_ppl"));
  EXPECT_GT(run.result.tokens_per_sec, 0);
}

namespace {

// The quick-seq2seq profile: 12 epochs on 2,000 generated date pairs, 200 validating.
std::map<std::string, double> translate_dates(const std::string& model) {
  auto c = test::quick_run(model, "dates");
  c.epochs = 12;
  c.num_steps = 12;
  c.limit_train = 2000;
  c.limit_test = 200;
  test::TempDir dir;
  c.out = (dir / "run").string();
  return apps::run_training(c).result.history.rows.back();
}

}  // namespace

TEST(Learning, BahdanauAttentionLearnsToTranslateDates) {
  const auto last = translate_dates("bahdanau");  // measured: validation BLEU near 0.89
  EXPECT_GT(last.at("test_bleu"), 0.7);
  EXPECT_GT(last.at("test_corpus_bleu"), 0.7);
}

TEST(Learning, TransformerLearnsToTranslateDates) {
  EXPECT_GT(translate_dates("transformer").at("test_bleu"), 0.7);  // measured: near 0.94
}

TEST(Learning, ViTLearnsFashionMnistWellAboveChance) {
  // Measured: 3 epochs of Adam on 2,000 images at 32 x 32 (4 patches of 16) reach test accuracy
  // ~0.69 (chance: 0.10).
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (the README's set-up installs it)";
  auto c = test::quick_run("vit", "fashion-mnist");
  c.epochs = 3;
  c.resize = 32;
  c.batch_size = 64;
  c.limit_train = 2000;
  c.limit_test = 500;
  c.optimizer = "adam";
  c.lr = 0.001;
  test::TempDir dir;
  c.out = (dir / "run").string();
  const auto run = apps::run_training(c);
  EXPECT_GT(run.result.history.rows.back().at("test_acc"), 0.5);
}
