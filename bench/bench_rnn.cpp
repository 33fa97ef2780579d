// Language-model training throughput (tokens/s) of d2l-cpp against the book's Python code
// (bench/bench_rnn.py: its scratch models, nn.RNN/GRU/LSTM and train_epoch_ch8 loop) at the
// book's settings: batch 32, 35 steps, 256 hidden units, sequential partitioning, clipping at 1,
// SGD lr 1, on the GPL's characters (vocabulary 28). Same LibTorch, same threads, alternating
// rounds; the best of each side counts. Above 1: d2l-cpp is faster.
//
//   build/bench/bench_rnn [--model NAME]... [--threads N] [--rounds R] [--epochs E]
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "apps/experiment.h"
#include "bench/python_twin.h"
#include "train/memory.h"

using namespace d2l;

namespace {

struct Settings {
  int threads = 1;
  int64_t batch_size = 32, num_steps = 35, num_hiddens = 256, epochs = 2;
};

// Tokens/s of the trainer's training steps over `epochs` epochs, after one warm-up epoch.
double bench_cpp(const std::string& model, const Settings& s) {
  apps::RunConfig c;
  c.model = model;
  c.data = "gpl3";
  c.batch_size = s.batch_size;
  c.num_steps = s.num_steps;
  c.num_hiddens = s.num_hiddens;
  c.max_tokens = 0;  // the whole text, as the Python twin
  c.limit_test = 1;  // validation is not timed; keep it short
  c.epochs = 1;
  c.lr = 1.0;
  c.threads = s.threads;
  c.device = "cpu";
  c.quiet = true;
  auto e = apps::build_experiment(c);
  train::Trainer(apps::trainer_options(e, {})).fit(*e.task, e.data);  // warm-up
  e.config.epochs = s.epochs;
  return train::Trainer(apps::trainer_options(e, {})).fit(*e.task, e.data).tokens_per_sec;
}

std::optional<double> bench_python(const std::string& python, const std::string& model, const Settings& s) {
  std::ostringstream command;
  command << python << " " << D2L_SOURCE_DIR << "/bench/bench_rnn.py --model " << model << " --threads " << s.threads
          << " --batch-size " << s.batch_size << " --num-steps " << s.num_steps << " --num-hiddens " << s.num_hiddens
          << " --epochs " << s.epochs << " 2>/dev/null";
  return bench::measured_value(command.str());
}

}  // namespace

int main(int argc, char** argv) {
  train::reuse_freed_memory();  // as the d2l binary does
  CLI::App app{"d2l-cpp vs the book's Python: RNN language-model training tokens/s"};
  Settings s;
  s.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int rounds = 3;
  std::string python = "/usr/bin/python3";
  std::vector<std::string> models = {"rnn-scratch", "gru-scratch", "lstm-scratch", "rnn", "gru", "lstm"};
  app.add_option("--model", models, "models to measure (repeatable)");
  app.add_option("--threads", s.threads, "threads for both sides (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per side; the best counts")->check(CLI::PositiveNumber);
  app.add_option("--epochs", s.epochs, "timed epochs per measurement")->check(CLI::PositiveNumber);
  app.add_option("--num-hiddens", s.num_hiddens, "hidden units")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python interpreter with torch");
  CLI11_PARSE(app, argc, argv);

  std::printf("threads %d, torch %s, batch %lld, %lld steps, %lld hiddens\n", s.threads, TORCH_VERSION,
              static_cast<long long>(s.batch_size), static_cast<long long>(s.num_steps),
              static_cast<long long>(s.num_hiddens));
  std::printf("| model | tokens/s C++ | Python | ratio |\n|---|---|---|---|\n");
  for (const auto& model : models)
    bench::print_row(model,
                     bench::compare(rounds, [&] { return bench_cpp(model, s); }, [&] { return bench_python(python, model, s); }),
                     0);
  return 0;
}
