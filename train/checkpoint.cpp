#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
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

// Metric sums as text lines "name sum count", to full double precision.
std::string totals_text(const MetricAccumulator::Totals& totals) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& [name, total] : totals) out << name << ' ' << total.first << ' ' << total.second << '\n';
  return out.str();
}

MetricAccumulator::Totals parse_totals(const std::string& text, const fs::path& file) {
  MetricAccumulator::Totals totals;
  std::istringstream in(text);
  std::string name;
  double sum = 0, count = 0;
  while (in >> name >> sum >> count) totals[name] = {sum, count};
  if (!in.eof()) throw std::runtime_error(file.string() + ": unreadable partial_metrics entry");
  return totals;
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
  archive.write("batch", c10::IValue(state.batch));
  archive.write("batch_size", c10::IValue(state.batch_size));
  archive.write("grad_scale", c10::IValue(state.grad_scale));
  archive.write("grad_scale_growth", c10::IValue(state.grad_scale_growth));
  archive.write("partial_metrics", c10::IValue(totals_text(state.partial_metrics)));
  archive.write("history", c10::IValue(state.history.to_csv()));
  archive.write("config", c10::IValue(state.config));
  archive.write("rng_state", cpu_rng_state(), /*is_buffer=*/true);
  write_atomically(file, [&](const fs::path& tmp) {
    std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    if (!out) throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(errno));
    // LibTorch's writer aborts (from a destructor) on a short write, so the writes it asks for
    // always "succeed" here and a failure is reported once it is done.
    int error = 0;
    archive.save_to([&](const void* data, size_t size) -> size_t {
      if (error == 0 && std::fwrite(data, 1, size, out.get()) != size) error = errno;
      return size;
    });
    if (error == 0 && (std::fflush(out.get()) != 0 || ::fsync(::fileno(out.get())) != 0)) error = errno;
    if (error != 0)
      throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(error) +
                               " (the previous checkpoint is kept)");
  });
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
  if (archive.try_read("batch", value)) state.batch = value.toInt();
  if (archive.try_read("batch_size", value)) state.batch_size = value.toInt();
  // Absent from checkpoints written before --amp: those keep no scaler state (0).
  if (archive.try_read("grad_scale", value)) state.grad_scale = value.toDouble();
  if (archive.try_read("grad_scale_growth", value)) state.grad_scale_growth = value.toInt();
  if (archive.try_read("partial_metrics", value)) state.partial_metrics = parse_totals(value.toStringRef(), file);
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
