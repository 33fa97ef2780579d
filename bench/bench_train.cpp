// Training throughput and inference latency of d2l-cpp's models and, in the same invocation, of
// the same models in Python PyTorch (bench/bench_train.py: the book's code or torchvision, the
// same kind of loop, the same LibTorch and the same number of threads). One row per case, with
// the ratio (above 1: d2l-cpp is faster).
//
//   build/bench/bench_train [--suite small|cnn|transformers|segmentation|all|gpu] [--model NAME]... [--threads N]
//                           [--rounds R] [--device cuda] [--amp bf16|fp16] [--channels-last]
//
// small: LeNet and the MLP at batch 256 and 32 (many steps). cnn: every chapter-8 network at the
// book's input size and every torchvision-compatible one at 224: a few training steps (batch 32
// at 96 pixels, 16 or 8 at 224) and inference at batch 1. transformers: the book's ViT at 96 and
// the small Swin at 32 (batch 64), against the book's ViT code and torchvision's Swin.
// segmentation: the book's FCN at 320 x 480 (batch 4), per-pixel cross-entropy on both sides.
// gpu: LeNet, ResNet-18 at 96 and ViT at 96 with the book's batch sizes, for --device cuda: both
// sides keep the images on the GPU and wait for it before reading the clock.
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "apps/registry.h"
#include "bench/python_twin.h"
#include "train/amp.h"
#include "train/memory.h"
#include "train/tasks/classification.h"
#include "train/tasks/segmentation.h"
#include "train/trainer.h"

using namespace d2l;

namespace {

struct Case {
  std::string model;
  int64_t channels, side;  // one example is [channels, side, side]
  int64_t batch;           // training batch
  int64_t steps;           // timed training steps (after one warm-up epoch)
  int64_t infer_batch;
  int infer_runs;  // timed forward passes (after as many warm-up ones)
  int64_t width = 0;  // when not square
  bool segmentation = false;  // a class per pixel (FCN) instead of per image
  int64_t cols() const { return width > 0 ? width : side; }
};

std::vector<Case> suite(const std::string& name) {
  std::vector<Case> cases;
  if (name == "small" || name == "all")
    for (const std::string model : {"lenet", "mlp"})
      for (const int64_t batch : {256, 32}) cases.push_back({model, 1, 28, batch, batch >= 256 ? 40 : 150, batch, 50});
  if (name == "cnn" || name == "all")
    for (const auto& spec : apps::models()) {
      // Chapter 8's networks at their enlarged inputs (the BN-LeNets of 8.5 stay at 28 x 28).
      const bool book_cnn = spec.section.rfind("8.", 0) == 0 && spec.name.rfind("tv-", 0) != 0 && spec.defaults.resize > 0;
      const bool tv = spec.name.rfind("tv-", 0) == 0 && spec.section.rfind("8.", 0) == 0;
      // Enough steps for a second or more per measurement, few enough for the 224-pixel VGGs.
      if (book_cnn && spec.defaults.resize <= 96) cases.push_back({spec.name, 1, spec.defaults.resize, 32, 4, 1, 20});
      if (book_cnn && spec.defaults.resize > 96) cases.push_back({spec.name, 1, spec.defaults.resize, 16, 3, 1, 10});
      if (tv) cases.push_back({spec.name, 3, 224, 8, 3, 1, 10});
    }
  if (name == "segmentation" || name == "all") cases.push_back({"fcn", 3, 320, 4, 3, 1, 5, 480, true});
  if (name == "gpu") {  // issue 8's GPU comparison: the book's batch sizes, enough steps for a GPU
    cases.push_back({"lenet", 1, 28, 256, 200, 256, 50});
    cases.push_back({"resnet18", 1, 96, 128, 60, 128, 20});
    cases.push_back({"vit", 1, 96, 128, 60, 128, 20});
  }
  if (name == "transformers" || name == "all") {
    cases.push_back({"vit", 1, 96, 64, 6, 1, 20});
    cases.push_back({"swin", 1, 32, 64, 10, 1, 20});
    cases.push_back({"tv-swin-t", 3, 224, 8, 3, 1, 10});
  }
  return cases;
}

struct Result {
  double train_images_per_sec = 0;
  double infer_ms = 0;
};

// Random uint8 images in memory, like a data set after loading.
data::DataModule random_images(const Case& c, int64_t n) {
  data::DataModule dm;
  dm.name = "random";
  const auto labels = c.segmentation ? torch::randint(0, 21, {n, c.side, c.cols()}, torch::kInt64)
                                     : torch::randint(0, 10, {n}, torch::kInt64);
  dm.train = {torch::randint(0, 256, {n, c.channels, c.side, c.cols()}, torch::kInt64).to(torch::kUInt8), labels};
  dm.val = dm.train.head(c.batch);
  dm.class_names = std::vector<std::string>(c.segmentation ? 21 : 10, "c");
  return dm;
}

double median_ms(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// What both sides share besides the case: the device, NHWC or not, and the precision.
struct Setting {
  bool channels_last = false;
  std::string device = "cpu";
  std::string amp = "none";
};

void synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

Result bench_cpp(const Case& c, const Setting& s) {
  const bool channels_last = s.channels_last;
  const torch::Device device(s.device);
  torch::manual_seed(0);
  auto model = apps::find_model(c.model).make({{c.channels, c.side, c.cols()}, c.segmentation ? 21 : 10, {}});
  std::unique_ptr<train::Task> task;
  if (c.segmentation)
    task = std::make_unique<train::SegmentationTask>(model, 21);
  else
    task = std::make_unique<train::ClassificationTask>(model);
  auto options = train::TrainerOptions()
                     .batch_size(c.batch)
                     .quiet(true)
                     .max_epochs(1)
                     .channels_last(channels_last)
                     .device(device)
                     .precision(train::parse_precision(s.amp));
  options.optimizer().lr = 0.01;
  train::Trainer(options).fit(*task, random_images(c, c.batch));  // warm-up: allocator, oneDNN primitives
  Result r;
  r.train_images_per_sec = train::Trainer(options).fit(*task, random_images(c, c.steps * c.batch)).examples_per_sec;

  torch::NoGradGuard no_grad;
  model.ptr()->eval();
  auto X = torch::rand({c.infer_batch, c.channels, c.side, c.cols()}, torch::TensorOptions().device(device));
  if (channels_last) X = X.contiguous(torch::MemoryFormat::ChannelsLast);
  std::vector<double> times;
  for (int i = 0; i < 2 * c.infer_runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    model.forward(X);
    synchronize(device);
    if (i >= c.infer_runs)  // the first half is warm-up
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  r.infer_ms = median_ms(times);
  return r;
}

// Runs the Python twin on one case; it prints "model batch images_per_sec infer_ms".
std::optional<Result> bench_python(const std::string& python, int threads, const Case& c, const Setting& s) {
  std::ostringstream command;
  command << python << " " << D2L_SOURCE_DIR << "/bench/bench_train.py --threads " << threads << " --model " << c.model
          << " --channels " << c.channels << " --side " << c.side << " --width " << c.cols() << " --batch-size " << c.batch << " --steps "
          << c.steps << " --infer-batch " << c.infer_batch << " --infer-runs " << c.infer_runs << (s.channels_last ? " --channels-last" : "") << " --device " << s.device << " --amp " << s.amp
          << " 2>/dev/null";
  std::optional<Result> out;
  for (const auto& line : bench::output_lines(command.str())) {
    std::istringstream in(line);
    std::string name;
    int64_t b;
    Result r;
    if (in >> name >> b >> r.train_images_per_sec >> r.infer_ms) out = r;
  }
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
  train::reuse_freed_memory();  // as the d2l binary does
  CLI::App app{"d2l-cpp vs Python PyTorch: training throughput and inference latency"};
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int rounds = 5;
  std::string python = "/usr/bin/python3";
  std::string suite_name = "small";
  std::vector<std::string> only;
  Setting setting;
  app.add_option("--suite", suite_name, "small | cnn | transformers | segmentation | all | gpu")
      ->check(CLI::IsMember({"small", "cnn", "transformers", "segmentation", "all", "gpu"}));
  app.add_option("--model", only, "only these models (repeatable)");
  app.add_option("--threads", threads, "threads for both sides (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per side; the best counts")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python interpreter with torch");
  app.add_flag("--channels-last", setting.channels_last, "NHWC weights and images on both sides");
  app.add_option("--device", setting.device, "cpu | cuda | cuda:N, for both sides");
  app.add_option("--amp", setting.amp, "mixed precision on both sides: none | bf16 | fp16")
      ->check(CLI::IsMember({"none", "bf16", "fp16"}));
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(threads);
  if (setting.device != "cpu" && !torch::cuda::is_available()) {
    std::fprintf(stderr, "error: --device %s: no CUDA device for LibTorch %s\n", setting.device.c_str(), TORCH_VERSION);
    return 2;
  }

  bool python_found = true;
  std::printf("threads %d, torch %s, device %s, amp %s%s\n", threads, TORCH_VERSION, setting.device.c_str(),
              setting.amp.c_str(), setting.channels_last ? ", channels last" : "");
  std::printf("| model | input | batch | train img/s C++ | Python | ratio | infer batch | infer ms C++ | Python | ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& c : suite(suite_name)) {
    if (!only.empty() && std::find(only.begin(), only.end(), c.model) == only.end()) continue;
    Result cpp, py;
    for (int round = 0; round < rounds; ++round) {
      if (auto r = bench_python(python, threads, c, setting))
        py = best(py, *r);
      else
        python_found = false;
      cpp = best(cpp, bench_cpp(c, setting));
    }
    const auto input = std::to_string(c.channels) + "x" + std::to_string(c.side) + "x" + std::to_string(c.cols());
    if (!python_found) {
      std::printf("| %s | %s | %lld | %.1f | n/a | | %lld | %.3f | n/a | |\n", c.model.c_str(), input.c_str(),
                  static_cast<long long>(c.batch), cpp.train_images_per_sec, static_cast<long long>(c.infer_batch),
                  cpp.infer_ms);
      continue;
    }
    std::printf("| %s | %s | %lld | %.1f | %.1f | %.2f | %lld | %.3f | %.3f | %.2f |\n", c.model.c_str(),
                input.c_str(), static_cast<long long>(c.batch), cpp.train_images_per_sec, py.train_images_per_sec,
                cpp.train_images_per_sec / py.train_images_per_sec, static_cast<long long>(c.infer_batch),
                cpp.infer_ms, py.infer_ms, py.infer_ms / cpp.infer_ms);
    std::fflush(stdout);
  }
  if (!python_found) std::printf("(Python PyTorch not found at %s: no ratios)\n", python.c_str());
  return 0;
}
