// Training throughput and inference latency of LeNet and the MLP, in d2l-cpp and, in the same
// invocation, in Python PyTorch (bench/bench_train.py: the same models, the same kind of loop,
// the same LibTorch and the same number of threads). Prints one row per case and the ratio.
//
//   build/bench/bench_train [--threads N] [--python /usr/bin/python3]
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "apps/registry.h"
#include "train/tasks/classification.h"
#include "train/trainer.h"

using namespace d2l;

namespace {

struct Result {
  double train_images_per_sec = 0;
  double infer_ms = 0;
};

// Random uint8 images in memory, like Fashion-MNIST after loading.
data::DataModule random_images(int64_t n, int64_t batch_size) {
  data::DataModule dm;
  dm.name = "random";
  dm.train = {torch::randint(0, 256, {n, 28, 28}, torch::kInt64).to(torch::kUInt8),
              torch::randint(0, 10, {n}, torch::kInt64)};
  dm.val = dm.train.head(batch_size);
  dm.class_names = std::vector<std::string>(10, "c");
  return dm;
}

Result bench_cpp(const std::string& model_name, int64_t batch_size) {
  torch::manual_seed(0);
  auto model = apps::find_model(model_name).make({{1, 28, 28}, 10, {}});
  train::ClassificationTask task(model);
  const int64_t steps = batch_size >= 256 ? 40 : 150;
  const auto data = random_images(steps * batch_size, batch_size);
  auto options = train::TrainerOptions().batch_size(batch_size).quiet(true);
  options.optimizer().lr = 0.1;
  train::Trainer(options.max_epochs(1)).fit(task, data);  // warm-up: allocator, oneDNN primitives
  Result r;
  r.train_images_per_sec = train::Trainer(options.max_epochs(3)).fit(task, data).examples_per_sec;

  torch::NoGradGuard no_grad;
  model.ptr()->eval();
  const auto X = torch::rand({batch_size, 1, 28, 28});
  std::vector<double> times;
  for (int i = 0; i < 60; ++i) {
    const auto start = std::chrono::steady_clock::now();
    model.forward(X);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin() + 10, times.end());  // the first 10 are warm-up
  r.infer_ms = times[10 + (times.size() - 10) / 2];
  return r;
}

// Runs the Python twin on one case; it prints "model batch images_per_sec infer_ms".
std::optional<Result> bench_python(const std::string& python, int threads, const std::string& model, int64_t batch) {
  const std::string command = python + " " + D2L_SOURCE_DIR + "/bench/bench_train.py --threads " +
                              std::to_string(threads) + " --model " + model + " --batch-size " + std::to_string(batch) +
                              " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::optional<Result> out;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) {
    std::istringstream in(line);
    std::string name;
    int64_t b;
    Result r;
    if (in >> name >> b >> r.train_images_per_sec >> r.infer_ms) out = r;
  }
  ::pclose(pipe);
  return out;
}

// The best of each side over the rounds; rounds alternate the two sides so that a change in
// background load hits both.
Result best(const Result& a, const Result& b) {
  return {std::max(a.train_images_per_sec, b.train_images_per_sec),
          a.infer_ms > 0 ? std::min(a.infer_ms, b.infer_ms) : b.infer_ms};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"d2l-cpp vs Python PyTorch: training throughput and inference latency"};
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int rounds = 5;
  std::string python = "/usr/bin/python3";
  app.add_option("--threads", threads, "threads for both sides (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per side; the best counts")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python interpreter with torch");
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(threads);

  bool python_found = true;
  std::printf("threads %d, torch %s\n", threads, TORCH_VERSION);
  std::printf("%-6s %5s | %14s %14s %6s | %11s %11s %6s\n", "model", "batch", "train img/s C++", "Python", "ratio",
              "infer ms C++", "Python", "ratio");
  for (const std::string model : {"lenet", "mlp"}) {
    for (const int64_t batch : {256, 32}) {
      Result c, p;
      for (int round = 0; round < rounds; ++round) {
        if (auto r = bench_python(python, threads, model, batch))
          p = best(p, *r);
        else
          python_found = false;
        c = best(c, bench_cpp(model, batch));
      }
      if (!python_found) {
        std::printf("%-6s %5lld | %14.0f %14s %6s | %11.3f %11s %6s\n", model.c_str(), static_cast<long long>(batch),
                    c.train_images_per_sec, "n/a", "", c.infer_ms, "n/a", "");
        continue;
      }
      // Ratios > 1 mean d2l-cpp is faster (more images/s, fewer ms).
      std::printf("%-6s %5lld | %14.0f %14.0f %6.2f | %11.3f %11.3f %6.2f\n", model.c_str(),
                  static_cast<long long>(batch), c.train_images_per_sec, p.train_images_per_sec,
                  c.train_images_per_sec / p.train_images_per_sec, c.infer_ms, p.infer_ms, p.infer_ms / c.infer_ms);
    }
  }
  if (!python_found) std::printf("(Python PyTorch not found at %s: no ratios)\n", python.c_str());
  return 0;
}
