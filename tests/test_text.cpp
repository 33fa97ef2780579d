// The text pipeline against the book's Python code (tests/python/book_text.py): cleaning,
// tokenising, vocabularies, the corpus, translation pairs; and the minibatch schemes.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "data/text.h"
#include "data/translation.h"
#include "tests/helpers.h"
#include "train/bleu.h"

using namespace d2l::data;

namespace {

std::vector<std::string> split(const std::string& s, char by) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, by);) out.push_back(part);
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

std::vector<int64_t> count_up(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

}  // namespace

TEST(Text, VocabulariesCorpusAndPairsEqualTheBooksPython) {
  if (std::system("/usr/bin/python3 -c 'import collections' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  d2l::test::TempDir dir;
  const auto text = dir / "text.txt";
  std::ofstream(text) << "The Time Machine, by H. G. Wells [1898]\n\nI\nThe Time Traveller (for so it will be\n"
                         "convenient to speak of him) was expounding a recondite matter to us.\n";
  const auto pairs = dir / "fra.txt";
  std::ofstream(pairs) << "Go.\tVa !\nHi.\tSalut\xC2\xA0!\nRun!\tCours\xE2\x80\xAF!\nno tab here\nWow!\tÇa alors\xC2\xA0!\n";
  for (const auto& file : {text, std::filesystem::path(default_corpus())}) {
    if (!std::filesystem::exists(file)) continue;
    const auto lines = split(run("/usr/bin/python3 " + (d2l::test::source_dir() / "tests/python/book_text.py").string() +
                                 " " + file.string() + " " + pairs.string()),
                             '\n');
    ASSERT_EQ(lines.size(), 4u) << file;
    const auto cleaned = read_text_lines(file);
    std::vector<std::string> chars, words;
    for (auto& line : tokenize(cleaned, TokenKind::character)) chars.insert(chars.end(), line.begin(), line.end());
    for (auto& line : tokenize(cleaned, TokenKind::word)) words.insert(words.end(), line.begin(), line.end());
    Vocab char_vocab(chars), word_vocab(words, {3, {"<pad>"}, false});
    EXPECT_EQ(char_vocab.to_tokens(count_up(char_vocab.size())), split(lines[0], '\x01')) << file;
    EXPECT_EQ(word_vocab.to_tokens(count_up(word_vocab.size())), split(lines[1], '\x01')) << file;
    const auto corpus = load_corpus(file);
    std::ostringstream head;
    head << corpus.indices.size();
    for (size_t i = 0; i < 40 && i < corpus.indices.size(); ++i) head << (i ? " " : " ") << corpus.indices[i];
    EXPECT_EQ(head.str(), lines[2]) << file;
    const auto nmt = read_sentence_pairs(pairs);
    std::string joined;
    for (size_t i = 0; i < nmt.source.size(); ++i) {
      std::string s, t;
      for (const auto& w : nmt.source[i]) s += (s.empty() ? "" : " ") + w;
      for (const auto& w : nmt.target[i]) t += (t.empty() ? "" : " ") + w;
      joined += (i ? "\x01" : "") + s + "|" + t;
    }
    EXPECT_EQ(joined, lines[3]);
    EXPECT_NE(joined.find("\xC3\xA7" "a alors !"), std::string::npos) << joined;  // "Ça" lower-cased
  }
}

TEST(Text, UnknownTokensMapToUnkAndEn10OrdersAlphabetically) {
  const Vocab vocab({"b", "a", "b", "c"}, {0, {"<pad>"}, true});
  EXPECT_EQ(vocab.to_tokens(count_up(vocab.size())), (std::vector<std::string>{"<pad>", "<unk>", "a", "b", "c"}));
  EXPECT_EQ(vocab.unk(), 1);
  EXPECT_EQ(vocab["zebra"], 1);
  const Vocab by_freq({"b", "a", "b", "c"});
  EXPECT_EQ(by_freq.to_tokens(count_up(by_freq.size())), (std::vector<std::string>{"<unk>", "b", "a", "c"}));
}

TEST(Text, SequentialBatchesContinueEachOtherRowByRow) {
  const auto corpus = count_up(100);
  const auto batches = sequential_sequence_batches(corpus, 2, 5, 7);
  ASSERT_GE(batches.size(), 8u);
  for (size_t b = 0; b + 1 < batches.size(); ++b) {
    EXPECT_TRUE(torch::equal(batches[b].Y, batches[b].X + 1));
    // Row r of batch b + 1 starts where row r of batch b ended.
    EXPECT_TRUE(torch::equal(batches[b + 1].X.select(1, 0), batches[b].X.select(1, 4) + 1));
  }
  const auto offset = batches[0].X[0][0].item<int64_t>();
  EXPECT_TRUE(offset >= 0 && offset <= 5);
}

TEST(Text, RandomBatchesCoverDisjointSubsequencesOnce) {
  const auto corpus = count_up(103);
  const auto batches = random_sequence_batches(corpus, 3, 5, 11);
  std::set<int64_t> starts;
  for (const auto& b : batches) {
    EXPECT_EQ(b.X.sizes(), (std::vector<int64_t>{3, 5}));
    EXPECT_TRUE(torch::equal(b.Y, b.X + 1));
    for (int64_t r = 0; r < 3; ++r) starts.insert(b.X[r][0].item<int64_t>());
  }
  EXPECT_EQ(starts.size(), batches.size() * 3);  // no subsequence twice
  for (auto s : starts) EXPECT_EQ((s - *starts.begin()) % 5, 0);
  EXPECT_FALSE(torch::equal(random_sequence_batches(corpus, 3, 5, 12)[0].X, batches[0].X));
  EXPECT_THROW(random_sequence_batches(count_up(10), 3, 5, 0), std::invalid_argument);
}

TEST(Text, WindowedDataSetShiftsTargetsByOne) {
  const auto splits = windowed_sequences(count_up(50), 4, 30, 10);
  EXPECT_EQ(splits.train.inputs.sizes(), (std::vector<int64_t>{30, 4}));
  EXPECT_TRUE(torch::equal(splits.train.targets, splits.train.inputs + 1));
  EXPECT_EQ(splits.val.inputs[0][0].item<int64_t>(), 30);
  EXPECT_THROW(windowed_sequences(count_up(20), 4, 30, 10), std::invalid_argument);
}

TEST(Translation, PadsTruncatesAndCountsValidLengths) {
  const Vocab vocab({"a", "b", "c"}, {0, {"<pad>", "<bos>", "<eos>"}, false});
  const auto array = build_array_nmt({{"a", "b"}, {"a", "b", "c", "a", "b"}}, vocab, 4);
  const auto pad = vocab["<pad>"], eos = vocab["<eos>"];
  EXPECT_TRUE(torch::equal(array.tokens[0], torch::tensor({vocab["a"], vocab["b"], eos, pad})));
  EXPECT_TRUE(torch::equal(array.valid_lens, torch::tensor({3, 4}, torch::kInt64)));
  EXPECT_THROW(build_array_nmt({{"a"}}, Vocab({"a"}), 4), std::invalid_argument);
  const auto book_cut = tokenize_nmt("a\tb\nc\td\ne\tf\n", 1);  // the book's `i > num_examples`: 2 lines
  EXPECT_EQ(book_cut.source.size(), 2u);
}

TEST(Translation, SyntheticDatesAreDeterministicAndCorrect) {
  const auto text = synthetic_date_pairs(200, 3);
  EXPECT_EQ(text, synthetic_date_pairs(200, 3));
  const auto pairs = tokenize_nmt(preprocess_nmt(text));
  ASSERT_EQ(pairs.source.size(), 200u);
  for (const auto& target : pairs.target) ASSERT_EQ(target.size(), 10u);  // y y y y - m m - d d
  EXPECT_NE(text.find("\t"), std::string::npos);
}

TEST(Bleu, EqualsTheBooksValues) {
  // Computed once with the book's bleu (en-1.0 code, /usr/bin/python3) and written out here.
  using d2l::train::bleu;
  EXPECT_DOUBLE_EQ(bleu("va !", "va !", 2), 1.0);
  EXPECT_NEAR(bleu("il est <unk> .", "il est calme .", 2), 0.6580370064762462, 1e-12);
  EXPECT_DOUBLE_EQ(bleu("il est <unk> .", "il est calme .", 4), 0.0);
  EXPECT_DOUBLE_EQ(bleu("il court .", "il est calme .", 2), 0.0);
  EXPECT_NEAR(bleu("a b c d e", "a b c d x y", 2), 0.6814773296495302, 1e-12);
  EXPECT_NEAR(bleu("a b c d e", "a b c d x y", 4), 0.6203340652895243, 1e-12);
  EXPECT_NEAR(bleu("je", "je suis calme .", 2), 0.049787068367863944, 1e-12);  // n stops at the length
  EXPECT_THROW(bleu("je", "je suis calme .", 2, /*up_to_prediction_length=*/false), std::invalid_argument);
}
