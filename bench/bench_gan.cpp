// DCGAN training images/s of d2l-cpp against the book's Python code (bench/bench_gan.py: d2l
// 20.2's networks, init, losses, update_D then update_G and Adam with betas (0.5, 0.999)) on
// random 64 x 64 RGB images, batch 64. Both run the full step of both networks; the C++ side
// through the Trainer and the GAN task, as `d2l train dcgan` does. Same LibTorch and threads;
// alternating rounds, the best of each side.
//
//   build/bench/bench_gan [--threads N] [--rounds R] [--batches B] [--batch-size N]
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/python_twin.h"
#include "models/gan.h"
#include "train/memory.h"
#include "train/tasks/gan.h"
#include "train/trainer.h"

using namespace d2l;

namespace {

struct Settings {
  int threads = 1;
  int64_t batch_size = 64, batches = 4;
};

double bench_cpp(const Settings& s) {
  torch::manual_seed(0);
  data::DataModule dm;
  dm.name = "random images";
  const auto images = [&](int64_t n) {
    return data::TensorDataset{torch::randint(0, 256, {n, 3, 64, 64}, torch::kUInt8), torch::zeros({n}, torch::kInt64)};
  };
  dm.val = images(1);  // a GAN validates nothing
  dm.transform.mean = {0.5, 0.5, 0.5};
  dm.transform.std = {0.5, 0.5, 0.5};
  train::GANTask task(models::dcgan());
  auto options = train::TrainerOptions().batch_size(s.batch_size).quiet(true).max_epochs(1);
  options.optimizer().name = "adam";
  options.optimizer().lr = 0.005;
  options.optimizer().beta1 = 0.5;
  dm.train = images(s.batch_size);
  train::Trainer(options).fit(task, dm);  // warm-up
  dm.train = images(s.batches * s.batch_size);
  return train::Trainer(options).fit(task, dm).examples_per_sec;
}

std::optional<double> bench_python(const std::string& python, const Settings& s) {
  std::ostringstream command;
  command << python << " " << D2L_SOURCE_DIR << "/bench/bench_gan.py --threads " << s.threads << " --batch-size "
          << s.batch_size << " --batches " << s.batches << " 2>/dev/null";
  return bench::measured_value(command.str());
}

}  // namespace

int main(int argc, char** argv) {
  train::reuse_freed_memory();  // as the d2l binary does
  CLI::App app{"d2l-cpp vs the book's Python: DCGAN training images/s"};
  Settings s;
  s.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int rounds = 3;
  std::string python = "/usr/bin/python3";
  app.add_option("--threads", s.threads, "threads for both sides (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per side; the best counts")->check(CLI::PositiveNumber);
  app.add_option("--batches", s.batches, "timed batches per measurement")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", s.batch_size, "images per batch")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python interpreter with torch");
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(s.threads);
  std::printf("threads %d, torch %s, batch %lld of 3 x 64 x 64\n", s.threads, TORCH_VERSION,
              static_cast<long long>(s.batch_size));
  const auto result = bench::compare(rounds, [&] { return bench_cpp(s); }, [&] { return bench_python(python, s); });
  std::printf("| model | train img/s C++ | Python | ratio |\n|---|---|---|---|\n");
  bench::print_row("dcgan", result, 1);
  return 0;
}
