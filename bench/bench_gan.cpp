// GAN training images/s of d2l-cpp against Python twins (bench/bench_gan.py), the C++ side
// through the Trainer and its task, as `d2l train` runs them. dcgan: the book's DCGAN code (d2l
// 20.2's networks, init, losses, update_D then update_G, Adam with betas (0.5, 0.999)) on random
// 64 x 64 RGB images, batch 64. cyclegan: the reference implementation's training step (6-block
// ResNet generators, PatchGANs, LSGAN + cycle + identity, image pools) on random unpaired
// images of --side pixels, batch 1. Same LibTorch and threads; alternating rounds, the best of
// each side.
//
//   build/bench/bench_gan [--model dcgan|cyclegan]... [--threads N] [--rounds R] [--batches B] [--side S]
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/python_twin.h"
#include "models/cyclegan.h"
#include "models/gan.h"
#include "train/memory.h"
#include "train/tasks/cyclegan.h"
#include "train/tasks/gan.h"
#include "train/trainer.h"

using namespace d2l;

namespace {

struct Settings {
  int threads = 1;
  int64_t batch_size = 64, batches = 4, side = 64;
};

// CycleGAN steps are single images: four times as many as DCGAN batches.
int64_t cyclegan_steps(const Settings& s) { return 4 * s.batches; }

double bench_cyclegan(const Settings& s) {
  torch::manual_seed(0);
  const auto images = [&](int64_t n) {
    return data::TensorDataset{torch::randint(0, 256, {n, 3, s.side, s.side}, torch::kUInt8),
                               torch::randint(0, 256, {n, 3, s.side, s.side}, torch::kUInt8)};
  };
  data::DataModule dm;
  dm.name = "random unpaired images";
  dm.val = images(1);
  train::CycleGANTask task(models::CycleGAN(models::CycleGANOptions().n_blocks(6)));
  auto options = train::TrainerOptions().batch_size(1).quiet(true).max_epochs(1);
  options.optimizer().name = "adam";
  options.optimizer().lr = 2e-4;
  options.optimizer().beta1 = 0.5;
  dm.train = images(1);
  train::Trainer(options).fit(task, dm);  // warm-up
  dm.train = images(cyclegan_steps(s));
  return train::Trainer(options).fit(task, dm).examples_per_sec;
}

double bench_dcgan(const Settings& s) {
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

std::optional<double> bench_python(const std::string& python, const std::string& model, const Settings& s) {
  std::ostringstream command;
  command << python << " " << D2L_SOURCE_DIR << "/bench/bench_gan.py --model " << model << " --threads " << s.threads
          << " --batch-size " << s.batch_size << " --batches " << (model == "cyclegan" ? cyclegan_steps(s) : s.batches)
          << " --side " << s.side << " 2>/dev/null";
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
  std::vector<std::string> models = {"dcgan", "cyclegan"};
  app.add_option("--model", models, "dcgan | cyclegan (repeatable)");
  app.add_option("--batches", s.batches, "timed batches per measurement")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", s.batch_size, "dcgan: images per batch")->check(CLI::PositiveNumber);
  app.add_option("--side", s.side, "cyclegan: image side (a multiple of 4)")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python interpreter with torch");
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(s.threads);
  std::printf("threads %d, torch %s; dcgan: batch %lld of 3 x 64 x 64; cyclegan: batch 1 of 3 x %lld x %lld\n",
              s.threads, TORCH_VERSION, static_cast<long long>(s.batch_size), static_cast<long long>(s.side),
              static_cast<long long>(s.side));
  std::printf("| model | train img/s C++ | Python | ratio |\n|---|---|---|---|\n");
  for (const auto& model : models) {
    if (model != "dcgan" && model != "cyclegan") {
      std::fprintf(stderr, "error: --model %s: expected dcgan or cyclegan\n", model.c_str());
      return 2;
    }
    const auto cpp = [&] { return model == "dcgan" ? bench_dcgan(s) : bench_cyclegan(s); };
    bench::print_row(model, bench::compare(rounds, cpp, [&] { return bench_python(python, model, s); }), 2);
  }
  return 0;
}
