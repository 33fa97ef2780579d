#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <stdexcept>

#include "train/atomic_file.h"
#include "train/strings.h"

namespace d2l::train {
namespace fs = std::filesystem;

namespace {

torch::Tensor cpu_rng_state() { return at::detail::getDefaultCPUGenerator().get_state(); }

void set_cpu_rng_state(const torch::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

torch::serialize::InputArchive open_archive(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw std::runtime_error(file.string() + ": no such checkpoint file");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": not a d2l checkpoint (" + first_line(e) + ")");
  }
  return archive;
}

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key, const fs::path& file) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString())
    throw std::runtime_error(file.string() + ": not a d2l checkpoint (no '" + key + "' entry)");
  return value.toStringRef();
}

// "optimizer", then "optimizer_1", "optimizer_2", ... for the parts of a model with several.
std::string optimizer_key(size_t i) { return i == 0 ? "optimizer" : "optimizer_" + std::to_string(i); }

}  // namespace

void save_checkpoint(const fs::path& file, torch::nn::Module& model,
                     const std::vector<const torch::optim::Optimizer*>& optimizers, const TrainingState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  for (size_t i = 0; i < optimizers.size(); ++i) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizers[i]->save(optimizer_archive);
    archive.write(optimizer_key(i), optimizer_archive);
  }
  archive.write("epoch", c10::IValue(state.epoch));
  archive.write("step", c10::IValue(state.step));
  archive.write("best", c10::IValue(state.best));
  archive.write("history", c10::IValue(state.history.to_csv()));
  archive.write("config", c10::IValue(state.config));
  archive.write("rng_state", cpu_rng_state(), /*is_buffer=*/true);
  write_atomically(file, [&](const fs::path& tmp) { archive.save_to(tmp.string()); });
}

TrainingState load_checkpoint(const fs::path& file, torch::nn::Module& model,
                              const std::vector<torch::optim::Optimizer*>& optimizers) {
  auto archive = open_archive(file);
  TrainingState state;
  state.config = read_string(archive, "config", file);
  state.history = History::from_csv(read_string(archive, "history", file));
  c10::IValue value;
  if (archive.try_read("epoch", value)) state.epoch = value.toInt();
  if (archive.try_read("step", value)) state.step = value.toInt();
  if (archive.try_read("best", value)) state.best = value.toDouble();
  try {
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    for (size_t i = 0; i < optimizers.size(); ++i) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read(optimizer_key(i), optimizer_archive);
      optimizers[i]->load(optimizer_archive);
    }
    if (!optimizers.empty()) {
      torch::Tensor rng;
      archive.read("rng_state", rng, /*is_buffer=*/true);
      set_cpu_rng_state(rng);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": does not match this model (" + first_line(e) + ")");
  }
  return state;
}

std::string read_checkpoint_config(const fs::path& file) {
  auto archive = open_archive(file);
  return read_string(archive, "config", file);
}

}  // namespace d2l::train
