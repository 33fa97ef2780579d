// Shared test fixtures: temporary folders, small data sets in the real IDX format, and a way
// to run the d2l binary.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "apps/run_config.h"

namespace d2l::test {

// A fresh, empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes the four (Fashion-)MNIST IDX files (gzip) with n_train / n_test images of 28x28 whose
// label is readable from the pixels (a bright bar whose row encodes the class), so that small
// models can learn them.
void write_fake_mnist(const std::filesystem::path& dir, int64_t n_train, int64_t n_test);

// An image folder in the book's hot-dog layout, dir/{train,test}/{hotdog,not-hotdog}/*.ppm, of
// n_train / n_test noisy images per class and of varied sizes: reddish hot dogs, bluish others.
void write_image_folder(const std::filesystem::path& dir, int n_train, int n_test);

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// The repository's root folder (for tests/python/ scripts).
std::filesystem::path source_dir();

// tests/fault/kill_during_write.cpp, built as a shared library for LD_PRELOAD.
std::filesystem::path kill_during_write_library();

// Runs the d2l binary with `args` (a shell-quoted string), with HOME and D2L_DATA pointed away
// from real data unless `env` sets them.
CommandResult run_d2l(const std::string& args, const std::string& env = "");

// Runs a bash script with $D2L set to the d2l binary and HOME and D2L_DATA pointed away from real
// data; stdout and stderr together.
CommandResult run_shell(const std::string& script);

// Whether f throws an exception whose message contains `part` (the message goes to *message).
bool throws_with(const std::function<void()>& f, const std::string& part, std::string* message = nullptr);

// The parameters of the model a run (or checkpoint) trained, in registration order.
std::vector<torch::Tensor> trained_parameters(const std::filesystem::path& run);

// A run of `model` on `data` for a learning test: 2 threads, on the CPU, quiet.
apps::RunConfig quick_run(const std::string& model, const std::string& data);

}  // namespace d2l::test
