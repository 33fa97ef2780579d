#include "tests/helpers.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

#include <torch/types.h>

#include "apps/experiment.h"
#include "data/idx.h"

namespace d2l::test {
namespace fs = std::filesystem;
namespace {

// Tests never reach the network: a missing data set is an error, not a download, unless a test
// turns downloads on (against its local server) with D2L_NO_DOWNLOAD=0.
const bool kOffline = [] { return ::setenv("D2L_NO_DOWNLOAD", "1", 1) == 0; }();

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("d2l-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_fake_mnist(const fs::path& dir, int64_t n_train, int64_t n_test) {
  fs::create_directories(dir);
  auto write_split = [&](const std::string& prefix, int64_t n, int64_t seed) {
    torch::manual_seed(seed);
    auto labels = torch::randint(0, 10, {n}, torch::kInt64);
    auto images = torch::randint(0, 60, {n, 28, 28}, torch::kInt64);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t row = 2 + 2 * labels[i].item<int64_t>();
      images[i].slice(0, row, row + 2).fill_(250);
    }
    data::write_idx(dir / (prefix + "-images-idx3-ubyte.gz"), images.to(torch::kUInt8));
    data::write_idx(dir / (prefix + "-labels-idx1-ubyte.gz"), labels.to(torch::kUInt8));
  };
  write_split("train", n_train, 1);
  write_split("t10k", n_test, 2);
}

fs::path source_dir() { return D2L_SOURCE_DIR; }

fs::path kill_during_write_library() { return D2L_KILL_DURING_WRITE; }

void write_image_folder(const std::filesystem::path& dir, int n_train, int n_test) {
  std::mt19937 rng(0);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", n_train}, {"test", n_test}})
    for (int c = 0; c < 2; ++c) {
      const auto folder = dir / split / (c == 0 ? "hotdog" : "not-hotdog");
      std::filesystem::create_directories(folder);
      for (int i = 0; i < n; ++i) {
        const int height = 40 + static_cast<int>(rng() % 50), width = 40 + static_cast<int>(rng() % 50);
        std::ofstream out(folder / (std::to_string(i) + ".ppm"), std::ios::binary);
        out << "P6\n" << width << " " << height << "\n255\n";
        for (int p = 0; p < height * width; ++p)
          for (int channel = 0; channel < 3; ++channel)
            out.put(static_cast<char>(rng() % 90 + (channel == 2 * c ? 150 : 0)));
      }
    }
}

CommandResult run_d2l(const std::string& args, const std::string& env) {
  const std::string command =
      "HOME=/nonexistent-home D2L_DATA= " + env + " " + std::string(D2L_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

CommandResult run_shell(const std::string& script) {
  static int count = 0;
  const auto file = fs::temp_directory_path() / ("d2l-test-" + std::to_string(::getpid()) + "-" + std::to_string(++count) + ".sh");
  std::ofstream(file) << "export D2L=" << D2L_BINARY << " HOME=/nonexistent-home D2L_DATA=\n" << script << "\n";
  FILE* pipe = ::popen(("bash " + file.string() + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + file.string());
  std::string output;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  fs::remove(file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

bool throws_with(const std::function<void()>& f, const std::string& part, std::string* message) {
  try {
    f();
  } catch (const std::exception& e) {
    if (message) *message = e.what();
    return std::string(e.what()).find(part) != std::string::npos;
  }
  return false;
}

std::vector<torch::Tensor> trained_parameters(const fs::path& run) {
  auto e = apps::load_trained(run, [](apps::RunConfig& c) { c.limit_train = c.limit_test = 1; });
  std::vector<torch::Tensor> out;
  for (const auto& p : e.model.ptr()->parameters()) out.push_back(p.detach().clone());
  return out;
}

apps::RunConfig quick_run(const std::string& model, const std::string& data) {
  apps::RunConfig c;
  c.model = model;
  c.data = data;
  c.threads = 2;
  c.quiet = true;
  c.device = "cpu";
  return c;
}

}  // namespace d2l::test
