// The text side of the d2l command line: language models (train, predict --prefix, export),
// translation (train, translate --attention), book sections with a quick profile, and bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "data/image.h"
#include "tests/helpers.h"
#include "train/atomic_file.h"

using d2l::test::run_d2l;
using d2l::test::TempDir;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The last non-empty line of a command's output.
std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of('\n');
  auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

class CliText : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream text(dir_ / "story.txt");
    for (int i = 0; i < 60; ++i) text << "the time traveller smiled and the little people ran away " << i << "\n";
    std::ofstream(dir_ / "pairs.txt") << "go .\tva !\nhi .\tsalut .\n";
  }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }
  std::string small_lm() const {
    return "--data " + path("story.txt").string() +
           " --num-hiddens 32 --num-steps 10 --batch-size 8 --epochs 2 --threads 1 -q --out ";
  }
  TempDir dir_;
};

}  // namespace

TEST_F(CliText, LanguageModelTrainsGeneratesTextAndExportsTheSameGenerator) {
  const auto run = path("lm");
  auto r = run_d2l("train gru " + small_lm() + run.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "perplexity")) << r.output;
  EXPECT_TRUE(contains(r.output, "tokens/sec on cpu")) << r.output;
  EXPECT_TRUE(contains(d2l::train::read_text(run / "summary.json"), "\"tokens_per_sec\""));

  r = run_d2l("predict " + run.string() + " --prefix 'The time' --num-preds 12");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto text = last_line(r.output);
  EXPECT_EQ(text.size(), 8u + 12u) << text;
  EXPECT_EQ(text.substr(0, 8), "the time");

  // The exported TorchScript generates the same text without the data file.
  ASSERT_EQ(run_d2l("export " + run.string() + " --out " + path("lm.pt").string()).exit_code, 0);
  r = run_d2l("predict " + path("lm.pt").string() + " --prefix 'The time' --num-preds 12");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(last_line(r.output), text);

  r = run_d2l("predict " + run.string() + " --prefix 'the 42 x' --num-preds 3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "not in the model's vocabulary")) << r.output;
  EXPECT_TRUE(contains(r.output, "'4'")) << r.output;

  r = run_d2l("translate " + run.string() + " 'hello'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "not a translation model")) << r.output;
}

TEST_F(CliText, TranslationTrainsTranslatesAndDrawsAttention) {
  const auto run = path("nmt");
  auto r = run_d2l("train bahdanau --data dates --limit-train 300 --limit-test 50 --num-steps 12 --epochs 2 "
                   "--threads 1 -q --out " + run.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "test bleu")) << r.output;
  EXPECT_TRUE(contains(d2l::train::read_text(run / "metrics.csv"), "test_corpus_bleu"));

  r = run_d2l("translate " + run.string() + " 'march 7, 1994' 'the 1st of may 2001' --attention " +
              path("att.png").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "march 7, 1994 => ")) << r.output;
  EXPECT_TRUE(std::filesystem::file_size(path("att-1.png")) > 0);
  EXPECT_TRUE(std::filesystem::file_size(path("att-2.png")) > 0);

  r = run_d2l("predict " + run.string() + " --prefix 'x'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "not a language model")) << r.output;
  // The Transformer trains on the same task and draws its encoder-decoder attention too.
  ASSERT_EQ(run_d2l("train transformer --data dates --limit-train 300 --limit-test 50 --num-steps 12 --epochs 1 "
                    "--threads 1 -q --out " + path("tr").string()).exit_code, 0);
  r = run_d2l("translate " + path("tr").string() + " 'march 7, 1994' --attention " + path("tr.png").string() +
              " --self-attention " + path("self.png").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::file_size(path("tr.png")) > 0);
  EXPECT_TRUE(contains(r.output, "encoder self-attention weights drawn in")) << r.output;
  if (d2l::data::can_read_images()) {
    // Source "march 7 , 1994 <eos>": a 5 x 5 map.
    const auto heatmap = d2l::data::read_image(path("self.png"), 3);
    EXPECT_GT(heatmap.size(1), 0);
  }
  r = run_d2l("translate " + run.string() + " 'march 7, 1994' --self-attention " + path("no.png").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "has no encoder self-attention")) << r.output;
  r = run_d2l("export " + run.string() + " --out " + path("nmt.pt").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "state-dict")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(path("nmt.pt")));
}

TEST_F(CliText, BadCorporaAndPairFilesAreNamed) {
  std::ofstream(path("binary.dat"), std::ios::binary) << std::string("\x7f" "ELF\0\0\x01 some text", 17);
  std::ofstream(path("empty.txt")) << "\n1234\n";
  std::ofstream(path("notabs.txt")) << "go . va !\nhi . salut .\n";
  std::ofstream(path("emptyside.txt")) << "go .\tva !\nhi .\t \n";
  for (const auto* file : {"binary.dat", "empty.txt"}) {
    const auto r = run_d2l("train gru --data " + path(file).string() + " --epochs 1 -q --out " + path("x").string());
    EXPECT_NE(r.exit_code, 0) << file;
    EXPECT_TRUE(contains(r.output, file)) << r.output;
  }
  auto r = run_d2l("train seq2seq --data " + path("notabs.txt").string() + " --epochs 1 -q --out " + path("y").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "notabs.txt")) << r.output;
  r = run_d2l("train seq2seq --data " + path("emptyside.txt").string() + " --epochs 1 -q --out " + path("v").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "emptyside.txt:2: empty target")) << r.output;
  // A model and a data set of different kinds.
  r = run_d2l("train seq2seq --data gpl3 --epochs 1 -q --out " + path("z").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "cannot train on data set 'gpl3'")) << r.output;
  r = run_d2l("train lenet --num-hiddens 4");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "text models")) << r.output;
  // The Time Machine is not on this machine: the error says where we looked and what works offline.
  r = run_d2l("train gru --epochs 1 -q --out " + path("w").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "timemachine.txt")) << r.output;
  EXPECT_TRUE(contains(r.output, "--data gpl3")) << r.output;
}

TEST_F(CliText, TheBooksDataSetsAreReadFromTheirFilesWhenPresent) {
  // timemachine.txt and fra-eng/fra.txt in the book's formats (DATA_HUB names), in --data-dir.
  std::filesystem::create_directories(path("data/fra-eng"));
  std::filesystem::copy_file(path("story.txt"), path("data/timemachine.txt"));
  {
    std::ofstream fra(path("data/fra-eng/fra.txt"));
    for (int i = 0; i < 40; ++i) fra << "Go.\tVa !\tCC-BY 2.0 (France)\nI lost.\tJ'ai perdu.\tCC-BY 2.0\n";
  }
  const auto data = " --data-dir " + path("data").string();
  auto r = run_d2l("train rnn --data timemachine" + data + " --num-steps 10 --batch-size 8 --epochs 1 -q --out " +
                   path("tm").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_d2l("train seq2seq --data fra-eng" + data + " --epochs 1 -q --out " + path("fra").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_d2l("translate " + path("fra").string() + " 'Go.'" + data);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Go. => ")) << r.output;
}

TEST_F(CliText, ChapterRunsABookSectionWithTheQuickProfile) {
  const auto profile = d2l::test::source_dir() / "configs" / "quick-rnn.toml";
  const auto r = run_d2l("chapter gru-zh --profile " + profile.string() +
                         " --epochs 1 --num-hiddens 32 --threads 1 -q --out " + path("ch").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "train_ppl")) << r.output;
  EXPECT_TRUE(contains(r.output, "zh-v2")) << r.output;
  EXPECT_TRUE(contains(r.output, "tokens_per_sec")) << r.output;
  EXPECT_TRUE(contains(d2l::train::read_text(path("ch") / "config.toml"), "data = 'gpl3'"));
}
