// Training that never loses work: stop signals write a checkpoint that resumes exactly, SIGKILL at
// random moments never leaves an unloadable checkpoint nor costs more than one checkpoint
// interval, and a full disk during a checkpoint keeps the previous one.
#include <gtest/gtest.h>

#include <csignal>
#include <chrono>
#include <fstream>
#include <set>
#include <random>
#include <regex>

#include "apps/experiment.h"
#include "tests/helpers.h"
#include "train/atomic_file.h"

namespace d2l::test {
namespace {
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class KillAnywhere : public ::testing::Test {
 protected:
  void SetUp() override { write_fake_mnist(dir_ / "data", 4096, 64); }
  // LeNet with batch 4: 1,024 steps an epoch, about a second on one thread.
  std::string train(const fs::path& out, int64_t epochs) const {
    return "train lenet --data-dir " + (dir_ / "data").string() + " --batch-size 4 --epochs " + std::to_string(epochs) +
           " --lr 0.3 --threads 1 --seed 11 --out " + out.string();
  }
  // Shell lines that wait until the run's first checkpoint exists.
  std::string after_first_checkpoint() const {
    return "while [ ! -f " + (dir_ / "run" / "checkpoints" / "last.pt").string() + " ]; do sleep 0.05; done\n";
  }
  static int64_t checkpoint_epoch(const fs::path& run) {
    auto e = apps::load_trained(run, [](apps::RunConfig& c) { c.limit_train = c.limit_test = 1; });
    return static_cast<int64_t>(e.final_metrics.count("epoch") ? e.final_metrics["epoch"] : 0);
  }
  static void expect_same_weights(const fs::path& a, const fs::path& b) {
    const auto x = trained_parameters(a), y = trained_parameters(b);
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(torch::equal(x[i], y[i])) << "parameter " << i << " differs";
  }
  TempDir dir_;
};

TEST_F(KillAnywhere, SigintStopsAfterAStepWithACheckpointThatResumesExactly) {
  ASSERT_EQ(run_d2l(train(dir_ / "ref", 2) + " --quiet").exit_code, 0);
  // SIGINT a moment after epoch 1's checkpoint: in the middle of epoch 2.
  const auto stopped = run_shell("\"$D2L\" " + train(dir_ / "run", 2) + " --quiet & P=$!\n" + after_first_checkpoint() +
                                 "sleep 0.3\nkill -INT $P\nwait $P");
  ASSERT_EQ(stopped.exit_code, 130) << stopped.output;
  EXPECT_TRUE(std::regex_search(stopped.output, std::regex("stopped by SIGINT in epoch 2 after batch [0-9]+ of 1024; " +
                                                           (dir_ / "run").string() + "/checkpoints/last.pt holds the run")))
      << stopped.output;
  const auto resumed = run_d2l("train --resume " + (dir_ / "run").string() + " --quiet");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  expect_same_weights(dir_ / "ref", dir_ / "run");
  // The epoch cut in two has the same metrics as in one piece.
  EXPECT_EQ(train::read_text(dir_ / "ref" / "metrics.csv"), train::read_text(dir_ / "run" / "metrics.csv"));
}

TEST_F(KillAnywhere, SigtermStopsWithACheckpointToo) {
  const auto stopped = run_shell("\"$D2L\" " + train(dir_ / "run", 3) + " --quiet & P=$!\n" + after_first_checkpoint() +
                                 "kill -TERM $P\nwait $P");
  ASSERT_EQ(stopped.exit_code, 143) << stopped.output;
  EXPECT_TRUE(contains(stopped.output, "stopped by SIGTERM")) << stopped.output;
  EXPECT_GE(checkpoint_epoch(dir_ / "run"), 1);
}

TEST_F(KillAnywhere, SigkillAtRandomMomentsNeverLosesMoreThanOneEpoch) {
  const int64_t epochs = 4;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_d2l(train(dir_ / "ref", epochs) + " --quiet").exit_code, 0);
  const double ref_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto run = dir_ / "run";
  std::mt19937 rng(2026);
  // Kills from 2 % to 40 % of an uninterrupted run's time, so that a slower build (the
  // sanitizers) is killed at the same stages as a Release build.
  std::uniform_real_distribution<double> delay_s(0.02 * ref_seconds, 0.4 * ref_seconds);
  int kills = 0, during_writes = 0;
  int64_t saved = 0;
  bool finished = false;
  for (int attempt = 0; attempt < 40 && !finished; ++attempt) {
    const bool resume = fs::exists(run / "checkpoints" / "last.pt");
    const auto command = resume ? "train --resume " + run.string() : train(run, epochs);
    const auto delay = std::to_string(delay_s(rng));
    // The process prints "epoch k/4" before writing epoch k's checkpoint.
    const auto r = run_shell("\"$D2L\" " + command + " & P=$!\nsleep " + delay +
                             "\nkill -KILL $P 2>/dev/null && echo KILLED\nwait $P");
    if (!contains(r.output, "KILLED")) {
      ASSERT_EQ(r.exit_code, 0) << r.output;
      finished = true;
      break;
    }
    ++kills;
    // Interrupted writes leave only temporary files; the next start removes them.
    for (const auto& folder : {run, run / "checkpoints"})
      if (fs::exists(folder))
        for (const auto& e : fs::directory_iterator(folder))
          if (train::is_temporary_name(e.path().filename().string())) ++during_writes;
    int64_t printed = 0;
    const std::regex line("epoch ([0-9]+)/4");
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), line); it != std::sregex_iterator(); ++it)
      printed = std::stoll((*it)[1]);
    if (!fs::exists(run / "checkpoints" / "last.pt")) {
      EXPECT_LE(printed, 1) << "epochs done but no checkpoint:\n" << r.output;
      continue;
    }
    const auto epoch = checkpoint_epoch(run);  // throws (fails the test) if the checkpoint does not load
    EXPECT_GE(epoch, saved) << "the checkpoint went back";
    EXPECT_GE(epoch, printed - 1) << "more than one epoch lost:\n" << r.output;
    saved = epoch;
  }
  if (!finished) {
    const bool resume = fs::exists(run / "checkpoints" / "last.pt");
    ASSERT_EQ(run_d2l((resume ? "train --resume " + run.string() : train(run, epochs)) + " --quiet").exit_code, 0);
  }
  std::printf("[ killed %d times, %d during a write; %.1f s uninterrupted ]\n", kills, during_writes, ref_seconds);
  EXPECT_GE(kills, 3);
  expect_same_weights(dir_ / "ref", run);
}

// Aimed kills: every file a run writes atomically (its config, checkpoints, metrics, curves,
// summary) cut short by SIGKILL at its first, middle and last write, through
// tests/fault/kill_during_write.cpp. After each, the checkpoint is the previous one, and the run
// resumes (or starts again) to the weights of an uninterrupted run.
TEST_F(KillAnywhere, SigkillDuringEveryKindOfWriteKeepsThePreviousCheckpoint) {
  const int64_t epochs = 2;
  const auto flags = [&](const fs::path& out) { return train(out, epochs) + " --limit-train 1024 --quiet"; };
  std::string preload = "LD_PRELOAD=" + kill_during_write_library().string() + " ";
#if defined(__SANITIZE_ADDRESS__)
  preload += "ASAN_OPTIONS=verify_asan_link_order=0 ";  // the injector is loaded ahead of the sanitizer
#endif
  // The uninterrupted run, numbering its writes to temporary files: runs of writes to one file.
  const auto log = dir_ / "writes.log";
  const auto ref = run_shell(preload + "D2L_WRITE_LOG=" + log.string() + " \"$D2L\" " + flags(dir_ / "ref"));
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  struct Span {
    std::string file;  // relative to the run folder, without .tmpPID
    long first = 0, last = 0;
  };
  std::vector<Span> spans;
  std::ifstream in(log);
  long number = 0;
  std::string path;
  const auto prefix = (dir_ / "ref").string() + "/";
  while (in >> number >> path) {
    ASSERT_EQ(path.rfind(prefix, 0), 0u) << path;
    const auto file = path.substr(prefix.size(), path.rfind(".tmp") - prefix.size());
    if (spans.empty() || spans.back().file != file) spans.push_back({file, number, number});
    spans.back().last = number;
  }
  std::set<std::string> kinds;
  for (const auto& span : spans) kinds.insert(span.file);
  for (const auto* expected : {"config.toml", "checkpoints/last.pt", "checkpoints/best.pt", "metrics.csv"})
    EXPECT_TRUE(kinds.count(expected)) << expected << " was not written through a temporary file";

  const auto run = dir_ / "run";
  int kills = 0;
  for (const auto& span : spans) {
    for (const long at : std::set<long>{span.first, (span.first + span.last) / 2, span.last}) {
      SCOPED_TRACE(span.file + " at write " + std::to_string(at));
      fs::remove_all(run);
      const auto r = run_shell(preload + "D2L_KILL_AT_WRITE=" + std::to_string(at) + " \"$D2L\" " + flags(run));
      ASSERT_EQ(r.exit_code, 128 + SIGKILL) << r.output;
      ASSERT_TRUE(contains(r.output, "SIGKILL while writing " + (run / span.file).string() + ".tmp")) << r.output;
      ++kills;
      // The checkpoint is the last one completed before the kill, whole.
      int64_t completed = 0;
      for (const auto& s : spans) completed += s.file == "checkpoints/last.pt" && s.last < at;
      const bool has_checkpoint = fs::exists(run / "checkpoints" / "last.pt");
      ASSERT_EQ(has_checkpoint, completed > 0);
      if (has_checkpoint) EXPECT_EQ(checkpoint_epoch(run), completed);
      // It goes on from there (or from the start), and ends as the uninterrupted run did.
      const auto again = run_d2l(has_checkpoint ? "train --resume " + run.string() + " --quiet" : flags(run));
      ASSERT_EQ(again.exit_code, 0) << again.output;
      for (const auto& folder : {run, run / "checkpoints"})
        for (const auto& e : fs::directory_iterator(folder))
          EXPECT_FALSE(train::is_temporary_name(e.path().filename().string())) << e.path();
      expect_same_weights(dir_ / "ref", run);
    }
  }
  std::string written;
  for (const auto& span : spans) written += " " + span.file + " (" + std::to_string(span.last - span.first + 1) + ")";
  std::printf("[ %d kills; the writes of the run:%s ]\n", kills, written.c_str());
}

TEST_F(KillAnywhere, FullDiskDuringACheckpointKeepsThePreviousOne) {
  ASSERT_EQ(run_d2l(train(dir_ / "run", 1) + " --limit-train 64 --quiet").exit_code, 0);
  const auto last = dir_ / "run" / "checkpoints" / "last.pt";
  const auto kb = fs::file_size(last) / 1024;
  // Files may not grow past the checkpoint's size less 8 KB: the next checkpoint cannot be written.
  const auto r = run_shell("ulimit -f " + std::to_string(kb - 8) + "\n\"$D2L\" train --resume " +
                           (dir_ / "run").string() + " --epochs 2 --quiet");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "last.pt")) << r.output;
  EXPECT_EQ(checkpoint_epoch(dir_ / "run"), 1);
  for (const auto& e : fs::directory_iterator(dir_ / "run" / "checkpoints"))
    EXPECT_FALSE(train::is_temporary_name(e.path().filename().string())) << e.path();
}

TEST(ResourceLimits, AnAllocationThatDoesNotFitIsAClearMessage) {
  TempDir dir;
  write_fake_mnist(dir / "data", 64, 16);
  // 1.5 GB of address space; a 4096-pixel resize of 64 images needs 4 GB. AddressSanitizer
  // reserves terabytes of address space for itself, so under it its allocator stands in for the
  // limit.
#if defined(__SANITIZE_ADDRESS__)
  const std::string limit = "export ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=1500\n";
#else
  const std::string limit = "ulimit -v 1500000\n";
#endif
  const auto r = run_shell(limit + "\"$D2L\" train mlp --data-dir " + (dir / "data").string() +
                           " --resize 4096 --batch-size 64 --epochs 1 --threads 1 --out " + (dir / "run").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "out of memory")) << r.output;
  EXPECT_TRUE(contains(r.output, "--batch-size")) << r.output;
  EXPECT_FALSE(contains(r.output, "frame #")) << r.output;  // no C++ backtrace
}

}  // namespace
}  // namespace d2l::test
