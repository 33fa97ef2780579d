// The trainer and its parts: schedules, optimizers, clipping, learning, resume, checkpoints.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "apps/experiment.h"
#include "tests/helpers.h"
#include "train/atomic_file.h"
#include "train/checkpoint.h"
#include "train/schedule.h"
#include "train/tasks/classification.h"
#include "train/metrics.h"
#include "train/memory.h"
#include "train/trainer.h"

using namespace d2l;
using d2l::test::TempDir;

TEST(Schedule, WarmupRampsLinearlyThenCosineDecaysToMinimum) {
  train::ScheduleConfig s;
  s.name = "cosine";
  s.warmup_epochs = 1;
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 0.1, 0, 10, 100), 0.01);
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 0.1, 9, 10, 100), 0.1);
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 0.1, 10, 10, 100), 0.1);
  EXPECT_NEAR(train::learning_rate_at(s, 0.1, 55, 10, 100), 0.05, 1e-12);
  EXPECT_NEAR(train::learning_rate_at(s, 0.1, 100, 10, 100), 0.0, 1e-12);
}

TEST(Schedule, StepDecaysEveryStepSizeEpochs) {
  train::ScheduleConfig s;
  s.name = "step";
  s.step_size = 2;
  s.gamma = 0.5;
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 1.0, 19, 10, 100), 1.0);
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 1.0, 20, 10, 100), 0.5);
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 1.0, 45, 10, 100), 0.25);
  s.name = "constant";
  EXPECT_DOUBLE_EQ(train::learning_rate_at(s, 1.0, 45, 10, 100), 1.0);
}

TEST(Optimizer, WeightDecayAppliesToWeightsOnly) {
  torch::nn::Linear linear(3, 1);
  auto optimizer = train::make_optimizer(*linear, {"sgd", 0.1, 0.9, 3.0});
  {
    torch::NoGradGuard no_grad;
    linear->weight.fill_(1.0);
    linear->bias.fill_(1.0);
  }
  linear->weight.mutable_grad() = torch::zeros_like(linear->weight);
  linear->bias.mutable_grad() = torch::zeros_like(linear->bias);
  optimizer->step();
  // w <- w - lr * wd * w = 1 - 0.1 * 3 = 0.7; the bias has no penalty and no gradient.
  EXPECT_NEAR(linear->weight[0][0].item<double>(), 0.7, 1e-6);
  EXPECT_NEAR(linear->bias[0].item<double>(), 1.0, 1e-6);
}

TEST(Optimizer, UnknownNameIsAnError) {
  torch::nn::Linear linear(3, 1);
  EXPECT_THROW(train::make_optimizer(*linear, {"rmsprop", 0.1, 0.9, 0.0}), std::invalid_argument);
}

TEST(ClipGradients, RescalesToTheGlobalNormOnlyWhenAbove) {
  torch::nn::Linear linear(2, 1);
  linear->weight.mutable_grad() = torch::tensor({{3.0f, 0.0f}});
  linear->bias.mutable_grad() = torch::tensor({4.0f});
  train::Trainer::clip_gradients(*linear, 1.0);
  EXPECT_NEAR(linear->weight.grad()[0][0].item<float>(), 0.6f, 1e-5);
  EXPECT_NEAR(linear->bias.grad()[0].item<float>(), 0.8f, 1e-5);
  train::Trainer::clip_gradients(*linear, 10.0);
  EXPECT_NEAR(linear->bias.grad()[0].item<float>(), 0.8f, 1e-5);
}

TEST(AtomicFile, AFailedWriteLeavesThePreviousFileAndNoTemporary) {
  TempDir dir;
  train::write_text_atomically(dir / "f.txt", "good");
  EXPECT_THROW(train::write_atomically(dir / "f.txt",
                                       [](const std::filesystem::path& tmp) {
                                         std::ofstream(tmp) << "half";
                                         throw std::runtime_error("killed mid-write");
                                       }),
               std::runtime_error);
  EXPECT_EQ(train::read_text(dir / "f.txt"), "good");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(AtomicFile, TemporaryNamesAreRecognised) {
  EXPECT_TRUE(train::is_temporary_name("last.pt.tmp123"));
  EXPECT_FALSE(train::is_temporary_name("last.pt"));
  EXPECT_FALSE(train::is_temporary_name("notes.tmp"));
  EXPECT_FALSE(train::is_temporary_name("a.tmp12x"));
}

namespace {

apps::RunConfig fake_run(const TempDir& data, const std::string& model, int64_t epochs) {
  apps::RunConfig c;
  c.model = model;
  c.data_dir = data.path().string();
  c.epochs = epochs;
  c.batch_size = 32;
  c.threads = 1;
  c.device = "cpu";
  c.quiet = true;
  return c;
}

std::vector<torch::Tensor> weights(torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST(Checkpoint, AKillDuringAWriteLeavesThePreviousCheckpointLoadable) {
  TempDir data;
  test::write_fake_mnist(data.path(), 64, 32);
  auto e = apps::build_experiment(fake_run(data, "mlp", 1));
  auto optimizer = train::make_optimizer(*e.model.ptr(), {});
  const auto file = data / "last.pt";
  train::TrainingState state;
  state.epoch = 1;
  train::save_checkpoint(file, *e.model.ptr(), *optimizer, state);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // keeps rewriting the checkpoint until killed
      train::TrainingState later;
      for (later.epoch = 2;; ++later.epoch) train::save_checkpoint(file, *e.model.ptr(), *optimizer, later);
    }
    ::usleep(20000 + attempt * 7000);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    auto fresh = apps::build_experiment(fake_run(data, "mlp", 1));
    const auto loaded = train::load_checkpoint(file, *fresh.model.ptr());
    EXPECT_GE(loaded.epoch, 1);
    EXPECT_TRUE(torch::equal(weights(*fresh.model.ptr())[0], weights(*e.model.ptr())[0]));
  }
}

TEST(Checkpoint, AnotherModelsCheckpointIsAClearError) {
  TempDir dir;
  test::write_fake_mnist(dir.path(), 64, 32);
  auto mlp = apps::build_experiment(fake_run(dir, "mlp", 1));
  auto optimizer = train::make_optimizer(*mlp.model.ptr(), {});
  train::save_checkpoint(dir / "mlp.pt", *mlp.model.ptr(), *optimizer, {});
  auto lenet = apps::build_experiment(fake_run(dir, "lenet", 1));
  try {
    train::load_checkpoint(dir / "mlp.pt", *lenet.model.ptr());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("mlp.pt: does not match this model"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "garbage.pt") << "not a checkpoint";
  EXPECT_THROW(train::load_checkpoint(dir / "garbage.pt", *lenet.model.ptr()), std::runtime_error);
}

TEST(Trainer, ResumingAfterOneEpochEqualsTwoEpochsStraight) {
  TempDir data, straight, resumed;
  test::write_fake_mnist(data.path(), 200, 50);
  // Dropout draws from the global generator and momentum keeps optimizer state: both must resume.
  auto config = fake_run(data, "dropout-mlp", 2);
  config.optimizer = "momentum";
  config.lr = 0.05;

  auto a = apps::build_experiment(config);
  train::Trainer(apps::trainer_options(a, straight.path())).fit(*a.task, a.data);

  config.epochs = 1;
  auto b = apps::build_experiment(config);
  train::Trainer(apps::trainer_options(b, resumed.path())).fit(*b.task, b.data);
  torch::manual_seed(12345);  // disturb the global generator: resume must restore it
  config.epochs = 2;
  auto c = apps::build_experiment(config);
  const auto result =
      train::Trainer(apps::trainer_options(c, resumed.path())).fit(*c.task, c.data, resumed / "checkpoints/last.pt");

  const auto expected = weights(*a.model.ptr()), actual = weights(*c.model.ptr());
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_TRUE(torch::equal(expected[i], actual[i])) << "parameter " << i;
  EXPECT_EQ(result.history.rows.size(), 2u);
  EXPECT_EQ(train::read_text(straight / "metrics.csv"), train::read_text(resumed / "metrics.csv"));
}

namespace {

// A task whose steps go wrong from the given step on, in the way `fault` says, to see the trainer
// stop cleanly.
class FaultyTask : public train::ClassificationTask {
 public:
  FaultyTask(torch::nn::AnyModule net, int64_t fault_from, std::function<void(train::StepOutput&)> fault)
      : ClassificationTask(std::move(net)), fault_from_(fault_from), fault_(std::move(fault)) {}
  train::StepOutput training_step(const data::Batch& batch) override {
    auto out = ClassificationTask::training_step(batch);
    if (++steps_ > fault_from_) fault_(out);
    return out;
  }

 private:
  int64_t fault_from_;
  std::function<void(train::StepOutput&)> fault_;
  int64_t steps_ = 0;
};

void poison(train::StepOutput& out) {  // the loss turns NaN
  out.loss = out.loss * std::nan("");
  out.metrics[0].sum = out.metrics[0].sum * std::nan("");
}

void starve(train::StepOutput&) {  // an allocation fails, as on a GPU when a batch is too big
  throw c10::OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.11 GiB total capacity)\nmore",
                              "frame #0");
}

// Trains a 3-epoch MLP into `run` whose steps go wrong in epoch 2 (2 steps per epoch), and
// returns the error the trainer stops with.
std::string stop_message(const TempDir& data, const TempDir& run, void (*fault)(train::StepOutput&)) {
  test::write_fake_mnist(data.path(), 64, 32);
  auto e = apps::build_experiment(fake_run(data, "mlp", 3));
  FaultyTask task(e.model, /*fault_from=*/3, fault);
  try {
    train::Trainer(apps::trainer_options(e, run.path())).fit(task, e.data);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected the trainer to stop";
  return "";
}

}  // namespace

TEST(Trainer, NanLossStopsWithAMessageAndKeepsTheLastGoodCheckpoint) {
  TempDir data, run;
  const auto message = stop_message(data, run, poison);
  EXPECT_NE(message.find("train_loss became nan in epoch 2"), std::string::npos) << message;
  EXPECT_NE(message.find("last.pt"), std::string::npos) << message;
  auto fresh = apps::build_experiment(fake_run(data, "mlp", 3));
  EXPECT_EQ(train::load_checkpoint(run / "checkpoints/last.pt", *fresh.model.ptr()).epoch, 1);
  for (const auto& p : fresh.model.ptr()->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST(Trainer, OutOfGpuMemoryStopsWithAdviceAndKeepsTheLastCheckpoint) {
  TempDir data, run;
  const auto message = stop_message(data, run, starve);
  for (const std::string part : {"out of memory in epoch 2 (CUDA out of memory. Tried to allocate 2.00 GiB", "--batch-size",
                                 "--amp", "last.pt", "d2l train --resume"})
    EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  EXPECT_EQ(message.find("frame #0"), std::string::npos) << message;
  auto fresh = apps::build_experiment(fake_run(data, "mlp", 3));
  EXPECT_EQ(train::load_checkpoint(run / "checkpoints/last.pt", *fresh.model.ptr()).epoch, 1);
}

TEST(Trainer, OnlyFailedAllocationsGetMemoryAdvice) {
  EXPECT_NE(train::out_of_memory_advice(std::bad_alloc()).find("--batch-size"), std::string::npos);
  EXPECT_EQ(train::out_of_memory_advice(std::bad_alloc()).find("--amp"), std::string::npos) << "not on the host";
  const c10::Error host("DefaultCPUAllocator: can't allocate memory: you tried to allocate 4294967296 bytes", "");
  EXPECT_NE(train::out_of_memory_advice(host).find("--batch-size"), std::string::npos);
  EXPECT_EQ(train::out_of_memory_advice(host).find("--amp"), std::string::npos);
  const c10::OutOfMemoryError gpu("CUDA out of memory. Tried to allocate 20.00 MiB", "");
  EXPECT_NE(train::out_of_memory_advice(gpu).find("--amp"), std::string::npos);
  EXPECT_EQ(train::out_of_memory_advice(c10::Error("shape mismatch", "")), "");
  EXPECT_EQ(train::out_of_memory_advice(std::runtime_error("out of memory")), "") << "only allocators' errors";
}

TEST(Trainer, UnwritableRunDirectoryFailsBeforeTraining) {
  TempDir data;
  test::write_fake_mnist(data.path(), 64, 32);
  std::ofstream(data / "a-file") << "x";
  auto e = apps::build_experiment(fake_run(data, "mlp", 1));
  try {
    train::Trainer(apps::trainer_options(e, data / "a-file" / "run")).fit(*e.task, e.data);
    FAIL();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("not writable"), std::string::npos) << error.what();
  }
  EXPECT_EQ(e.task->model().parameters()[0].grad().defined(), false);  // no step was taken
}

TEST(Trainer, ValidationOptionsAreCheckedBeforeAnyWork) {
  EXPECT_THROW(train::Trainer(train::TrainerOptions().max_epochs(0)), std::invalid_argument);
  EXPECT_THROW(train::Trainer(train::TrainerOptions().batch_size(0)), std::invalid_argument);
  train::OptimizerConfig negative;
  negative.lr = -0.1;
  EXPECT_THROW(train::Trainer(train::TrainerOptions().optimizer(negative)), std::invalid_argument);
}

// LeNet on a slice of the real Fashion-MNIST (installed by the README's set-up). Measured:
// 10,000 images, 3 epochs of Adam (lr 0.003) reach test accuracy ~0.70 in ~5 s on 2 cores;
// chance is 0.10, so 0.55 is "far above chance" with margin for other seeds and BLAS builds.
TEST(Trainer, LeNetLearnsRealFashionMnist) {
  apps::RunConfig c;
  c.model = "lenet";
  c.epochs = 3;
  c.optimizer = "adam";
  c.lr = 0.003;
  c.limit_train = 10000;
  c.limit_test = 2000;
  c.device = "cpu";
  c.quiet = true;
  auto e = apps::build_experiment(c);
  const auto result = train::Trainer(apps::trainer_options(e, {})).fit(*e.task, e.data);
  const double accuracy = result.history.rows.back().at("test_acc");
  EXPECT_GT(accuracy, 0.55);
  EXPECT_GT(result.history.rows.back().at("train_acc"), result.history.rows.front().at("train_acc"));
}

TEST(Metrics, CountsKeptOnTheDeviceJoinTheHostCounts) {
  // Seq2seq counts valid target tokens on the device (no wait per step); the means still divide
  // the summed values by every count, host and device.
  train::MetricAccumulator metrics;
  metrics.add({"loss", torch::tensor(6.0), 0, torch::tensor(3)});
  metrics.add({"loss", torch::tensor(4.0), 2});
  metrics.add({"loss", torch::tensor(5.0), 0, torch::tensor(5)});
  metrics.add({"acc", torch::tensor(1.0), 4});
  const auto means = metrics.means();
  EXPECT_DOUBLE_EQ(means.at("loss"), 15.0 / 10.0);
  EXPECT_DOUBLE_EQ(means.at("acc"), 0.25);
}
