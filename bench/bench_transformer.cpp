// Transformer training throughput (target tokens/s) of d2l-cpp against the book's Python code
// (bench/bench_transformer.py: d2l 11.7's encoder-decoder, the same masked loss, teacher forcing,
// Adam and clipping at 1) on the same shapes: the book's sizes (256 hiddens, 2 blocks, 4 heads,
// FFN 64, dropout 0.2), batch 128, 9 steps, random token pairs with random valid lengths, vocabularies
// of 200 and 250 tokens. Same LibTorch and threads; alternating rounds, the best of each side.
//
//   build/bench/bench_transformer [--threads N] [--rounds R] [--batches B]
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/python_twin.h"
#include "train/memory.h"
#include "models/init.h"
#include "models/transformer.h"
#include "train/tasks/seq2seq.h"
#include "train/trainer.h"

using namespace d2l;

namespace {

struct Settings {
  int threads = 1;
  int64_t batch_size = 128, num_steps = 9, batches = 20;
  int64_t source_vocab = 200, target_vocab = 250;
};

constexpr int64_t kBos = 1, kEos = 2, kFirstWord = 3;

// Random pairs: valid lengths uniform in [3, num_steps], tokens past them padding (0).
data::TensorDataset random_pairs(const Settings& s, int64_t n) {
  const auto tokens = [&](int64_t vocab, torch::Tensor& lens) {
    lens = torch::randint(3, s.num_steps + 1, {n}, torch::kInt64);
    const auto steps = torch::arange(s.num_steps).unsqueeze(0);
    return torch::randint(kFirstWord, vocab, {n, s.num_steps}, torch::kInt64).masked_fill(steps >= lens.unsqueeze(1), 0);
  };
  data::TensorDataset d;
  d.inputs = tokens(s.source_vocab, d.input_valid_lens);
  d.targets = tokens(s.target_vocab, d.target_valid_lens);
  return d;
}

double bench_cpp(const Settings& s) {
  torch::manual_seed(0);
  models::Transformer net(models::TransformerOptions(s.source_vocab, s.target_vocab)
                              .num_hiddens(256)
                              .num_blks(2)
                              .ffn_num_hiddens(64)
                              .num_heads(4)
                              .dropout(0.2));
  models::apply_init(*net, models::Init::xavier);  // train_seq2seq's, as the twin
  train::Seq2SeqTask task(net.ptr(), train::Seq2SeqTaskOptions(kBos, kEos));
  data::DataModule dm;
  dm.name = "random pairs";
  dm.val = random_pairs(s, 1);  // validation is not timed
  auto options = train::TrainerOptions().batch_size(s.batch_size).quiet(true).max_epochs(1).gradient_clip_val(1.0);
  options.optimizer().name = "adam";
  options.optimizer().lr = 0.001;
  dm.train = random_pairs(s, s.batch_size);
  train::Trainer(options).fit(task, dm);  // warm-up
  dm.train = random_pairs(s, s.batches * s.batch_size);
  return train::Trainer(options).fit(task, dm).tokens_per_sec;
}

std::optional<double> bench_python(const std::string& python, const Settings& s) {
  std::ostringstream command;
  command << python << " " << D2L_SOURCE_DIR << "/bench/bench_transformer.py --threads " << s.threads
          << " --batch-size " << s.batch_size << " --num-steps " << s.num_steps << " --batches " << s.batches
          << " --source-vocab " << s.source_vocab << " --target-vocab " << s.target_vocab << " 2>/dev/null";
  return bench::measured_value(command.str());
}

}  // namespace

int main(int argc, char** argv) {
  train::reuse_freed_memory();  // as the d2l binary does
  CLI::App app{"d2l-cpp vs the book's Python: Transformer training tokens/s"};
  Settings s;
  s.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int rounds = 3;
  std::string python = "/usr/bin/python3";
  app.add_option("--threads", s.threads, "threads for both sides (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per side; the best counts")->check(CLI::PositiveNumber);
  app.add_option("--batches", s.batches, "timed batches per measurement")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python interpreter with torch");
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(s.threads);

  std::printf("threads %d, torch %s, batch %lld, %lld steps\n", s.threads, TORCH_VERSION,
              static_cast<long long>(s.batch_size), static_cast<long long>(s.num_steps));
  const auto result = bench::compare(rounds, [&] { return bench_cpp(s); }, [&] { return bench_python(python, s); });
  std::printf("| model | tokens/s C++ | Python | ratio |\n|---|---|---|---|\n");
  bench::print_row("transformer", result, 0);
  return 0;
}
