// Neural style transfer steps/s of d2l-cpp against the book's Python code (bench/bench_style.py:
// d2l 14.12's extract_features, gram, losses and training loop with torchvision's VGG-19) at the
// book's 300 x 450: each step is a forward and backward pass of VGG-19 up to conv5_1 and an Adam
// update of the image. Random weights and images on both sides (the speed does not depend on
// them); same LibTorch and threads; alternating rounds, the best of each side.
//
//   build/bench/bench_style [--threads N] [--rounds R] [--steps S] [--image-shape HxW]
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "apps/run_config.h"
#include "bench/python_twin.h"
#include "train/memory.h"
#include "models/neural_style.h"
#include "train/tasks/style_transfer.h"
#include "train/trainer.h"

using namespace d2l;

namespace {

struct Settings {
  int threads = 1;
  int64_t steps = 10, height = 300, width = 450;
};

// The trainer's steps/s over `steps` full-image steps, after two untimed ones.
double bench_cpp(const Settings& s) {
  torch::manual_seed(0);
  data::DataModule dm;
  dm.name = "random pair";
  dm.train = {torch::randn({1, 3, s.height, s.width}), torch::randn({1, 3, s.height, s.width})};
  dm.val = dm.train;
  models::SynthesizedImage image(std::vector<int64_t>{1, 3, s.height, s.width});
  train::StyleTransferTask task(image, models::StyleFeatures(), dm.train.inputs, dm.train.targets);
  auto options = train::TrainerOptions().batch_size(1).quiet(true).max_epochs(2);
  options.optimizer().name = "adam";
  options.optimizer().lr = 0.3;
  options.schedule().name = "step";
  options.schedule().step_size = 50;
  options.schedule().gamma = 0.8;
  train::Trainer(options).fit(task, dm);  // warm-up
  options.max_epochs(s.steps);
  return train::Trainer(options).fit(task, dm).examples_per_sec;
}

std::optional<double> bench_python(const std::string& python, const Settings& s) {
  std::ostringstream command;
  command << python << " " << D2L_SOURCE_DIR << "/bench/bench_style.py --threads " << s.threads << " --steps "
          << s.steps << " --height " << s.height << " --width " << s.width << " 2>/dev/null";
  return bench::measured_value(command.str());
}

}  // namespace

int main(int argc, char** argv) {
  train::reuse_freed_memory();  // as the d2l binary does
  CLI::App app{"d2l-cpp vs the book's Python: neural style transfer steps/s"};
  Settings s;
  s.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int rounds = 3;
  std::string python = "/usr/bin/python3", shape = "300x450";
  app.add_option("--threads", s.threads, "threads for both sides (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per side; the best counts")->check(CLI::PositiveNumber);
  app.add_option("--steps", s.steps, "timed steps per measurement")->check(CLI::PositiveNumber);
  app.add_option("--image-shape", shape, "HEIGHTxWIDTH (the book's: 300x450)");
  app.add_option("--python", python, "Python interpreter with torch and torchvision");
  CLI11_PARSE(app, argc, argv);
  try {
    std::tie(s.height, s.width) = apps::parse_image_shape(shape);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  at::set_num_threads(s.threads);
  std::printf("threads %d, torch %s, image %lldx%lld, %lld steps\n", s.threads, TORCH_VERSION,
              static_cast<long long>(s.height), static_cast<long long>(s.width), static_cast<long long>(s.steps));
  const auto result = bench::compare(rounds, [&] { return bench_cpp(s); }, [&] { return bench_python(python, s); });
  std::printf("| model | steps/s C++ | Python | ratio |\n|---|---|---|---|\n");
  bench::print_row("neural-style", result, 3);
  return 0;
}
