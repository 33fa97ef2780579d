#include "train/trainer.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "train/atomic_file.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/memory.h"
#include "train/gradient_reducer.h"
#include "train/plot.h"
#include "train/progress.h"
#include "train/stop.h"

namespace d2l::train {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Data-parallel ranks agree on a stop signal every this many steps (and at the end of each epoch).
constexpr int64_t kStopVoteEvery = 32;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream ss;
  ss.precision(9);
  ss << v;
  return ss.str();
}

data::Batch to_device(data::Batch batch, torch::Device device, bool channels_last) {
  if (channels_last && batch.X.dim() == 4) batch.X = batch.X.contiguous(torch::MemoryFormat::ChannelsLast);
  if (batch.X.device() == device) return batch;
  const auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device, /*non_blocking=*/true) : t; };
  return {move(batch.X), move(batch.y), move(batch.X_valid_len), move(batch.y_valid_len)};
}

// Python's model.to(memory_format=torch.channels_last): 4-D parameters and buffers in NHWC order.
void use_channels_last(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  for (auto& b : model.buffers())
    if (b.dim() == 4) b.set_data(b.contiguous(torch::MemoryFormat::ChannelsLast));
}

bool improved(double value, double best, bool higher_is_better) {
  if (!std::isfinite(value)) return false;
  if (std::isnan(best)) return true;
  return higher_is_better ? value > best : value < best;
}

}  // namespace

std::string format_metrics(const std::map<std::string, double>& m) {
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(3);
  const std::vector<std::pair<std::string, std::string>> names = {
      {"train_loss", "loss"},           {"train_acc", "train acc"}, {"train_ppl", "perplexity"},
      {"test_loss", "test loss"},       {"test_acc", "test acc"},   {"test_ppl", "test perplexity"},
      {"test_bleu", "test bleu"},       {"test_miou", "test mIoU"},
      {"train_content_loss", "content"}, {"train_style_loss", "style"}, {"train_tv_loss", "TV"},
      {"train_loss_D", "loss_D"},        {"train_loss_G", "loss_G"},   {"train_D_x", "D(x)"},
      {"train_D_G_z", "D(G(z))"},       {"train_loss_D_A", "loss_D_A"}, {"train_loss_D_B", "loss_D_B"},
      {"train_loss_cycle", "cycle"},     {"test_cycle_A", "test cycle A"}};
  bool first = true;
  for (const auto& [key, label] : names) {
    if (auto it = m.find(key); it != m.end()) {
      ss << (first ? "" : ", ") << label << " " << it->second;
      first = false;
    }
  }
  return ss.str();
}

Trainer::Trainer(TrainerOptions options) : options_(std::move(options)) {
  if (options_.max_epochs() <= 0) throw std::invalid_argument("--epochs must be positive");
  if (options_.batch_size() <= 0) throw std::invalid_argument("--batch-size must be positive");
  if (!(options_.optimizer().lr > 0)) throw std::invalid_argument("--lr must be positive");
  if (options_.optimizer().weight_decay < 0) throw std::invalid_argument("--weight-decay must not be negative");
  if (options_.gradient_clip_val() < 0) throw std::invalid_argument("--clip-grad must not be negative");
  if (options_.report_every() <= 0) throw std::invalid_argument("--report-every must be positive");
}

void Trainer::clip_gradients(torch::nn::Module& model, double max_norm) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : model.parameters())
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return;
  std::vector<torch::Tensor> norms;
  for (const auto& g : grads) norms.push_back(g.norm());
  // Scale = min(1, max_norm / norm) stays on the device: no host synchronisation per step.
  const auto total = torch::stack(norms).norm();
  const auto scale = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto& g : grads) g.mul_(scale);
}

std::map<std::string, double> Trainer::evaluate(Task& task, const data::DataLoader& loader, torch::Device device,
                                                bool channels_last) {
  torch::NoGradGuard no_grad;
  task.model().eval();
  task.on_validation_start();
  MetricAccumulator metrics;
  for (const auto& batch : loader) metrics.add(task.validation_step(to_device(batch, device, channels_last)));
  auto means = metrics.means();
  task.derive_metrics(means);
  return means;
}

void Trainer::prepare_run_dir() const {
  const auto& dir = options_.run_dir();
  std::error_code ec;
  fs::create_directories(dir / "checkpoints", ec);
  const auto probe = dir / ".write-test";
  std::ofstream out(probe);
  out << "ok";
  out.close();
  if (ec || !out) throw std::runtime_error("output directory " + dir.string() + " is not writable");
  fs::remove(probe, ec);
  // Temporary files of a run killed mid-write (name.tmp<pid>): the renamed files are complete.
  for (const auto& folder : {dir, dir / "checkpoints"}) {
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (is_temporary_name(entry.path().filename().string())) fs::remove(entry.path(), ec);
    }
  }
}

void Trainer::write_outputs(const TrainingState& state, const FitResult& result, double wall_seconds) const {
  const auto& dir = options_.run_dir();
  write_text_atomically(dir / "metrics.csv", state.history.to_csv());
  save_curves(dir / "curves.png", state.history);
  std::ostringstream json;
  json << "{\n";
  for (const auto& [key, value] : options_.run_info())
    json << "  " << json_string(key) << ": " << json_string(value) << ",\n";
  json << "  \"epochs\": " << state.epoch << ",\n  \"steps\": " << state.step << ",\n";
  if (!state.history.rows.empty()) {
    json << "  \"final\": {";
    bool first = true;
    for (const auto& [key, value] : state.history.rows.back()) {
      json << (first ? "" : ", ") << json_string(key) << ": " << json_number(value);
      first = false;
    }
    json << "},\n";
  }
  json << "  \"best\": " << json_number(state.best) << ",\n"
       << "  \"examples_per_sec\": " << json_number(result.examples_per_sec) << ",\n"
       << (result.tokens_per_sec > 0 ? "  \"tokens_per_sec\": " + json_number(result.tokens_per_sec) + ",\n" : "")
       << "  \"train_seconds\": " << json_number(result.train_seconds) << ",\n"
       << "  \"wall_seconds\": " << json_number(wall_seconds) << ",\n"
       << "  \"device\": " << json_string(options_.device().str()) << ",\n"
       << "  \"threads\": " << at::get_num_threads() << ",\n"
       << "  \"torch_version\": " << json_string(TORCH_VERSION) << ",\n"
       << "  \"d2l_version\": " << json_string(D2L_VERSION) << "\n}\n";
  write_text_atomically(dir / "summary.json", json.str());
}

struct Trainer::Optimizers {
  std::vector<OptimizedPart> parts;
  std::vector<std::unique_ptr<torch::optim::Optimizer>> optimizers;
  std::vector<std::vector<double>> lr_scales;  // per optimizer, per parameter group
  std::vector<std::unique_ptr<GradientReducer>> reducers;  // per optimizer, in data-parallel training
  std::optional<GradScaler> scaler;  // --amp fp16

  Optimizers(Task& task, const OptimizerConfig& config) {
    auto* multi = dynamic_cast<MultiOptimizerTask*>(&task);
    parts = multi ? multi->optimized_parts() : std::vector<OptimizedPart>{{"model", &task.model(), 1.0}};
    for (const auto& part : parts) {
      optimizers.push_back(make_optimizer(*part.module, config));
      lr_scales.push_back(learning_rate_scales(*part.module, config));
      for (auto& scale : lr_scales.back()) scale *= part.lr_scale;
    }
  }
  // Once the parameters are final (loading a checkpoint may replace their gradient accumulators,
  // where the reducers' hooks sit).
  void reduce_gradients_over(const std::shared_ptr<DistributedGroup>& group) {
    for (const auto& part : parts) reducers.push_back(std::make_unique<GradientReducer>(group, *part.module));
  }
  std::vector<torch::optim::Optimizer*> pointers() const {
    std::vector<torch::optim::Optimizer*> out;
    for (const auto& o : optimizers) out.push_back(o.get());
    return out;
  }
  std::vector<const torch::optim::Optimizer*> const_pointers() const {
    std::vector<const torch::optim::Optimizer*> out;
    for (const auto& o : optimizers) out.push_back(o.get());
    return out;
  }
};

struct Trainer::Epoch {
  int64_t index = 0;
  int64_t first_batch = 0;  // > 0 when resuming a run stopped mid-epoch
  MetricAccumulator metrics;
  torch::Tensor tokens;  // text tasks: summed on the device, read once per epoch
  double lr = 0;         // the rate of the last step
  std::optional<int64_t> stopped_after;  // batches done, when a stop signal ended the epoch early
};

bool Trainer::stop_requested(bool vote) const {
  const bool here = StopSignals::received() != 0;
  const auto& group = options_.distributed();
  if (!group) return here;
  // Every rank must stop after the same step, or their collectives would no longer pair up. The
  // ranks vote (a collective and a host sync) only at steps they all know: not every step.
  if (!vote) return false;
  auto votes = torch::full({1}, here ? 1.0 : 0.0, torch::TensorOptions().device(options_.device()));
  group->all_reduce_sum({votes});
  return votes.item<double>() > 0;
}

void Trainer::fit_epoch(Task& task, Optimizers& optimizers, data::DataLoader& loader, Epoch& epoch,
                        TrainingState& state, Progress& progress) const {
  auto& model = task.model();
  auto* multi = dynamic_cast<MultiOptimizerTask*>(&task);
  loader.set_epoch(epoch.index);
  model.train();
  task.on_train_epoch_start();
  const auto means = [&] {
    auto m = epoch.metrics.means();
    task.derive_metrics(m);
    return m;
  };
  const int64_t steps_per_epoch = loader.num_batches();
  const int64_t total_steps = steps_per_epoch * options_.max_epochs();
  const auto& group = options_.distributed();
  const auto buffers = model.buffers();
  const auto parameters = model.parameters();
  auto& scaler = optimizers.scaler;
  epoch.lr = options_.optimizer().lr;
  for (int64_t i = epoch.first_batch; i < steps_per_epoch; ++i) {
    const auto batch = to_device(loader.batch(i), options_.device(), options_.channels_last());
    if (group && !buffers.empty()) group->broadcast(buffers);  // DDP's broadcast_buffers
    epoch.lr = learning_rate_at(options_.schedule(), options_.optimizer().lr, state.step, steps_per_epoch, total_steps);
    bool finite = true;  // with a scaler: no inf or NaN in this step's gradients
    for (size_t k = 0; k < optimizers.parts.size(); ++k) {
      set_learning_rate(*optimizers.optimizers[k], epoch.lr, optimizers.lr_scales[k]);
      auto out = [&] {
        const AutocastGuard autocast(options_.device(), options_.precision());
        return multi ? multi->training_step(batch, k) : task.training_step(batch);
      }();
      // zero_grad(set_to_none=True), PyTorch 2's default: no zero-filling pass.
      for (auto& p : parameters) p.mutable_grad().reset();
      if (group) optimizers.reducers[k]->prepare();
      // In data-parallel training, gradients are sent to the other ranks while backward runs.
      (scaler ? scaler->scale(out.loss) : out.loss).backward();
      if (group) optimizers.reducers[k]->finish();
      auto& part = *optimizers.parts[k].module;
      if (scaler && !scaler->unscale(part)) {
        finite = false;  // skipped, as GradScaler.step skips it; the scale shrinks below
      } else {
        if (options_.gradient_clip_val() > 0) clip_gradients(part, options_.gradient_clip_val());
        optimizers.optimizers[k]->step();
      }
      epoch.metrics.add(out.metrics);
      if (out.tokens.defined())
        epoch.tokens = epoch.tokens.defined() ? epoch.tokens + out.tokens.detach() : out.tokens.detach().to(torch::kFloat64);
    }
    if (scaler) {
      scaler->update(finite);
      state.grad_scale = scaler->current_scale();
      state.grad_scale_growth = scaler->growth_tracker();
    }
    ++state.step;
    progress.batch(epoch.index + 1, options_.max_epochs(), i, steps_per_epoch, [&] { return format_metrics(means()); });
    // The last batch completes the epoch: a stop then waits for its evaluation and checkpoint.
    if (i + 1 < steps_per_epoch && stop_requested(state.step % kStopVoteEvery == 0)) {
      epoch.stopped_after = i + 1;
      return;
    }
  }
}

void Trainer::stop(Task& task, Optimizers& optimizers, const TrainingState& state, int64_t batches) const {
  const int signal = StopSignals::received();
  std::string message = std::string("stopped by ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                        (state.batch > 0 ? " in epoch " + std::to_string(state.epoch + 1) + " after batch " +
                                               std::to_string(state.batch) + " of " + std::to_string(batches)
                                         : " after epoch " + std::to_string(state.epoch));
  if (!options_.run_dir().empty()) {
    const auto last = options_.run_dir() / "checkpoints" / "last.pt";
    save_checkpoint(last, task.model(), optimizers.const_pointers(), state);
    message += "; " + last.string() + " holds the run: d2l train --resume " + options_.run_dir().string() +
               " continues it";
  }
  throw Interrupted(signal == 0 ? SIGINT : signal, message);
}

void Trainer::check_finite(const std::map<std::string, double>& row, int64_t epoch, bool has_checkpoint) const {
  for (const auto& [name, value] : row) {
    if (std::isfinite(value)) continue;
    std::string message = name + " became " + std::to_string(value) + " in epoch " + std::to_string(epoch + 1) +
                          "; stopping. Try a smaller --lr or --clip-grad.";
    if (has_checkpoint)
      message += " The last good checkpoint is " + (options_.run_dir() / "checkpoints" / "last.pt").string() + ".";
    throw std::runtime_error(message);
  }
}

void Trainer::check_out_of_memory(const std::exception& error, int64_t epoch, bool has_checkpoint) const {
  const auto advice = out_of_memory_advice(error);
  if (advice.empty()) return;
  const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
  std::string what = torch_error ? torch_error->what_without_backtrace() : error.what();
  what = what.substr(0, what.find('\n'));
  std::string message = "out of memory in epoch " + std::to_string(epoch + 1) + " (" + what + "); " + advice + ".";
  if (has_checkpoint)
    message += " The last checkpoint, " + (options_.run_dir() / "checkpoints" / "last.pt").string() +
               ", is kept: d2l train --resume " + options_.run_dir().string() + " goes on from it.";
  throw std::runtime_error(message);
}

FitResult Trainer::fit(Task& task, const data::DataModule& data, const std::optional<fs::path>& resume) {
  const auto wall_start = Clock::now();
  const StopSignals signals;  // Ctrl-C and SIGTERM stop after a step, with a checkpoint
  const auto device = options_.device();
  check_precision(device, options_.precision());
  // Fixed-size batches: cuDNN times its algorithms once per shape and keeps the fastest
  // (Python's torch.backends.cudnn.benchmark = True).
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  auto& model = task.model();
  model.to(device);
  if (options_.channels_last()) use_channels_last(model);
  Optimizers optimizers(task, options_.optimizer());
  const auto& group = options_.distributed();
  const int64_t world = group ? group->world_size() : 1;
  const auto batches = data::LoaderOptions().batch_size(options_.batch_size()).device(device);
  auto train_loader = data.train_loader(data::LoaderOptions(batches)
                                            .seed(options_.seed())
                                            .drop_last(options_.drop_last())
                                            .num_replicas(world)
                                            .rank(group ? group->rank() : 0));
  const auto val_loader = data.val_loader(batches);
  if (train_loader.num_batches() == 0)
    throw std::invalid_argument("--drop-last with --batch-size " + std::to_string(options_.batch_size()) +
                                " leaves no training batch (" + std::to_string(data.train.size()) + " examples)");

  TrainingState state;
  if (resume) state = load_checkpoint(*resume, model, optimizers.pointers());
  if (options_.precision() == Precision::fp16) {
    optimizers.scaler.emplace();
    if (state.grad_scale > 0) optimizers.scaler->restore(state.grad_scale, state.grad_scale_growth);
  }
  if (group) {
    auto tensors = model.parameters();
    for (const auto& b : model.buffers()) tensors.push_back(b);
    group->broadcast(tensors);  // every rank starts from rank 0's weights
    optimizers.reduce_gradients_over(group);
  }
  state.config = options_.config();
  const bool write = !options_.run_dir().empty();
  if (write) {
    prepare_run_dir();
    write_text_atomically(options_.run_dir() / "config.toml", options_.config());
  }

  Progress progress(options_.quiet());
  if (state.epoch >= options_.max_epochs())
    progress.line("nothing to train: the checkpoint already holds " + std::to_string(state.epoch) +
                  " epochs; pass a larger --epochs to continue");
  FitResult result;
  int64_t examples = 0;
  double tokens = 0;
  bool checkpointed = write && state.epoch > 0;  // a resumed run has one
  int64_t index = state.epoch;
  try {
    for (; index < options_.max_epochs(); ++index) {
      Epoch epoch{index, state.batch, MetricAccumulator(state.partial_metrics)};
      if (state.batch > 0 && state.batch_size != options_.batch_size())
        throw std::invalid_argument("the checkpoint stopped in the middle of epoch " + std::to_string(index + 1) +
                                    " with --batch-size " + std::to_string(state.batch_size) +
                                    "; resume it with the same batch size");
      state.batch = 0;
      state.partial_metrics.clear();
      const auto epoch_start = Clock::now();
      fit_epoch(task, optimizers, train_loader, epoch, state, progress);
      if (device.is_cuda()) torch::cuda::synchronize(device.index());  // the epoch's queued work counts too
      result.train_seconds += seconds_since(epoch_start);
      if (epoch.stopped_after) {
        if (group) epoch.metrics.combine([&](const std::vector<torch::Tensor>& sums) { group->all_reduce_sum(sums); });
        // Every rank resumes with these sums, so each keeps its share: their total is the epoch's.
        for (auto [name, total] : epoch.metrics.totals())
          state.partial_metrics[name] = {total.first / static_cast<double>(world), total.second / static_cast<double>(world)};
        state.batch = *epoch.stopped_after;
        state.batch_size = options_.batch_size();
        stop(task, optimizers, state, train_loader.num_batches());
      }
      if (group) {
        epoch.metrics.combine([&](const std::vector<torch::Tensor>& sums) { group->all_reduce_sum(sums); });
        if (epoch.tokens.defined()) group->all_reduce_sum({epoch.tokens});
      }
      if (epoch.tokens.defined()) tokens += epoch.tokens.item<double>();
      auto row = epoch.metrics.means();
      task.derive_metrics(row);
      row["lr"] = epoch.lr;
      examples += train_loader.num_examples() * world;
      result.examples_per_sec = static_cast<double>(examples) / result.train_seconds;
      result.tokens_per_sec = tokens / result.train_seconds;
      check_finite(row, index, checkpointed);
      for (const auto& [name, value] : evaluate(task, val_loader, device, options_.channels_last())) row[name] = value;
      row["epoch"] = static_cast<double>(index + 1);
      state.history.append(row);
      state.epoch = index + 1;
      const bool report = state.epoch % options_.report_every() == 0 || state.epoch == options_.max_epochs();
      if (report) {
        progress.line("epoch " + std::to_string(index + 1) + "/" + std::to_string(options_.max_epochs()) + ": " +
                      format_metrics(row));
        if (write) {
          checkpointed = true;
          const double monitored = row.count(task.monitor()) ? row[task.monitor()] : std::nan("");
          const bool best = improved(monitored, state.best, task.higher_is_better());
          if (best) state.best = monitored;
          const auto saved = optimizers.const_pointers();
          save_checkpoint(options_.run_dir() / "checkpoints" / "last.pt", model, saved, state);
          if (best) save_checkpoint(options_.run_dir() / "checkpoints" / "best.pt", model, saved, state);
          task.save_pictures(options_.run_dir(), state.epoch);
          write_outputs(state, result, seconds_since(wall_start));
        }
      }
      if (state.epoch < options_.max_epochs() && stop_requested()) stop(task, optimizers, state, 0);
    }
  } catch (const std::exception& error) {
    check_out_of_memory(error, index, checkpointed);
    throw;
  }
  result.history = state.history;
  return result;
}

}  // namespace d2l::train
