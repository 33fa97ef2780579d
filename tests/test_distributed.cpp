// Data-parallel training on c10d's Gloo backend: shards, collectives between forked processes,
// and `d2l launch` giving the same weights as one process trained on the combined batches.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "apps/experiment.h"
#include "data/loader.h"
#include "tests/helpers.h"
#include "train/atomic_file.h"
#include "train/distributed.h"
#include "train/gradient_reducer.h"

namespace d2l::test {
namespace {
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The examples (targets are their indices) that one rank sees in an epoch, in order.
std::vector<int64_t> shard(int64_t n, int64_t replicas, int64_t rank, int64_t batch_size = 2) {
  data::TensorDataset dataset{torch::zeros({n, 1}), torch::arange(n)};
  data::DataLoader loader(dataset, {},
                          data::LoaderOptions().batch_size(batch_size).shuffle(true).seed(7).num_replicas(replicas).rank(rank));
  std::vector<int64_t> seen;
  for (const auto& batch : loader)
    for (int64_t i = 0; i < batch.y.size(0); ++i) seen.push_back(batch.y[i].item<int64_t>());
  return seen;
}

TEST(DistributedSampler, ShardsAreDisjointCoverTheEpochAndFollowOnePermutation) {
  const auto all = shard(10, 1, 0);
  std::multiset<int64_t> seen;
  for (int64_t rank = 0; rank < 3; ++rank) {
    const auto part = shard(10, 3, rank);
    ASSERT_EQ(part.size(), 4u) << "10 examples padded to 12, 4 per rank";
    for (size_t i = 0; i < part.size(); ++i) {
      // Rank r takes positions r, r + 3, ... of the single process's permutation (padded with its start).
      const size_t position = static_cast<size_t>(rank) + 3 * i;
      EXPECT_EQ(part[i], all[position % 10]) << "rank " << rank << " position " << position;
      seen.insert(part[i]);
    }
  }
  for (int64_t example = 0; example < 10; ++example) EXPECT_GE(seen.count(example), 1u) << example;
  EXPECT_EQ(seen.size(), 12u);  // the 2 padding examples repeat the permutation's first two
  EXPECT_EQ(seen.count(all[0]), 2u);
  EXPECT_EQ(seen.count(all[1]), 2u);
}

TEST(DistributedSampler, EpochDataIsSplitIntoRunsOfWholeBatches) {
  // Text iterators draw an ordered epoch; each rank gets consecutive batches so its hidden state
  // carries over from one batch to the next as in one process.
  const data::EpochData epoch = [](int64_t) { return data::TensorDataset{torch::zeros({11, 1}), torch::arange(11)}; };
  std::vector<std::vector<int64_t>> parts;
  for (int64_t rank = 0; rank < 2; ++rank) {
    data::DataLoader loader(epoch, {}, data::LoaderOptions().batch_size(2).num_replicas(2).rank(rank));
    parts.emplace_back();
    for (const auto& batch : loader)
      for (int64_t i = 0; i < batch.y.size(0); ++i) parts.back().push_back(batch.y[i].item<int64_t>());
  }
  EXPECT_EQ(parts[0], (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(parts[1], (std::vector<int64_t>{4, 5, 6, 7}));
}

TEST(DistributedEnvironment, TorchrunVariablesAreReadAndCheckedByName) {
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "3", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("LOCAL_WORLD_SIZE", "2", 1);
  ::setenv("MASTER_ADDR", "10.0.0.1", 1);
  ::setenv("MASTER_PORT", "29511", 1);
  const auto options = train::distributed_from_env();
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->rank(), 3);
  EXPECT_EQ(options->world_size(), 4);
  EXPECT_EQ(options->local_rank(), 1);
  EXPECT_EQ(options->local_world_size(), 2);
  EXPECT_EQ(options->master_addr(), "10.0.0.1");
  EXPECT_EQ(options->master_port(), 29511);
  ::setenv("RANK", "4", 1);
  EXPECT_TRUE(throws_with([] { train::distributed_from_env(); }, "RANK=4 is not below WORLD_SIZE=4"));
  ::setenv("RANK", "one", 1);
  EXPECT_TRUE(throws_with([] { train::distributed_from_env(); }, "RANK=one: expected a whole number"));
  for (const char* name : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"})
    ::unsetenv(name);
  EXPECT_FALSE(train::distributed_from_env().has_value());
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Runs body(group) in `world` forked processes; true when every one exits 0.
bool in_ranks(int64_t world, const std::function<bool(train::DistributedGroup&)>& body) {
  const int port = free_port();
  std::vector<pid_t> pids;
  for (int64_t rank = 0; rank < world; ++rank) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        train::DistributedGroup group(
            train::DistributedOptions().rank(rank).world_size(world).master_port(port).timeout_s(30), torch::kCPU);
        ::_exit(body(group) ? 0 : 1);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "rank %lld: %s\n", static_cast<long long>(rank), e.what());
        ::_exit(2);
      }
    }
    pids.push_back(pid);
  }
  bool ok = true;
  for (const auto pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok;
}

TEST(DistributedGroup, BroadcastAndSumAcrossProcesses) {
  if (!train::distributed_supported(torch::kCPU)) GTEST_SKIP() << "built without Gloo";
  EXPECT_TRUE(in_ranks(2, [](train::DistributedGroup& group) {
    const double r = static_cast<double>(group.rank());
    // Broadcast: rank 0's values everywhere, int64 and float alike.
    auto weights = torch::full({3}, 10.0 + r);
    auto steps = torch::full({1}, static_cast<int64_t>(5 + group.rank()), torch::kInt64);
    group.broadcast({weights, steps});
    bool ok = weights.eq(10.0).all().item<bool>() && steps.item<int64_t>() == 5;
    // Sum: 1 + 2.
    auto total = torch::full({2, 2}, 1.0 + r);
    group.all_reduce_sum({total});
    ok = ok && total.eq(3.0).all().item<bool>();
    group.barrier();
    return ok;
  }));
}

// Two linear layers and one the loss does not use.
struct ThreeLayers : torch::nn::Module {
  torch::nn::Linear first{register_module("first", torch::nn::Linear(4, 8))};
  torch::nn::Linear unused{register_module("unused", torch::nn::Linear(2, 2))};
  torch::nn::Linear last{register_module("last", torch::nn::Linear(8, 3))};
  torch::Tensor loss(const torch::Tensor& X) { return last(torch::relu(first(X))).pow(2).mean(); }
};

TEST(DistributedGroup, GradientReducerAveragesDuringBackward) {
  if (!train::distributed_supported(torch::kCPU)) GTEST_SKIP() << "built without Gloo";
  EXPECT_TRUE(in_ranks(2, [](train::DistributedGroup& group) {
    auto group_ptr = std::shared_ptr<train::DistributedGroup>(&group, [](train::DistributedGroup*) {});
    torch::manual_seed(0);
    ThreeLayers net;
    const auto data = [](int64_t rank) { return torch::arange(12.0).view({3, 4}).add(rank).div(10); };
    // The expected mean, from both ranks' data here.
    std::vector<torch::Tensor> expected;
    for (int64_t rank = 0; rank < 2; ++rank) {
      net.zero_grad(true);
      net.loss(data(rank)).backward();
      size_t i = 0;
      for (const auto& p : net.parameters()) {
        if (!p.grad().defined()) continue;
        if (expected.size() <= i) expected.push_back(p.grad().clone() / 2);
        else expected[i] += p.grad() / 2;
        ++i;
      }
    }
    // Bucket caps of one float: each parameter its own bucket.
    train::GradientReducer reducer(group_ptr, net, train::GradientReducerOptions().bucket_bytes(4).first_bucket_bytes(4));
    bool ok = reducer.num_buckets() == 6;
    for (int step = 0; step < 2; ++step) {  // the reducer is reused from step to step
      net.zero_grad(true);
      reducer.prepare();
      net.loss(data(group.rank())).backward();
      // The last layer's two buckets went out during backward. The unused layer's two hold back
      // the first layer's (buckets go out in order, the same on every rank) until finish().
      ok = ok && reducer.sent_during_backward() == 2;
      reducer.finish();
      size_t i = 0;
      for (const auto& p : net.parameters()) {
        if (!p.grad().defined()) continue;
        ok = ok && torch::allclose(p.grad(), expected[i++], 1e-6, 1e-7);
      }
      ok = ok && i == 4 && !net.unused->weight.grad().defined();
    }
    // Unarmed, a backward pass sends nothing (another optimizer's loss).
    net.zero_grad(true);
    net.loss(data(0)).backward();
    group.barrier();
    return ok;
  }));
}

TEST(DistributedGroup, GradientReducerNoticesParametersReplacedAfterIt) {
  if (!train::distributed_supported(torch::kCPU)) GTEST_SKIP() << "built without Gloo";
  EXPECT_TRUE(in_ranks(1, [](train::DistributedGroup& group) {
    auto group_ptr = std::shared_ptr<train::DistributedGroup>(&group, [](train::DistributedGroup*) {});
    ThreeLayers net;
    train::GradientReducer reducer(group_ptr, net);
    // Loading a checkpoint (what --resume does) gives the parameters new gradient accumulators.
    torch::serialize::OutputArchive out;
    net.save(out);
    std::ostringstream bytes;
    out.save_to(bytes);
    torch::serialize::InputArchive in;
    std::istringstream stream(bytes.str());
    in.load_from(stream);
    net.load(in);
    net.zero_grad(true);
    reducer.prepare();
    net.loss(torch::rand({3, 4})).backward();
    return throws_with([&] { reducer.finish(); }, "a gradient arrived without its hook");
  }));
}

// LeNet on a small fake Fashion-MNIST; returns the trained weights of the run.
class DataParallel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!train::distributed_supported(torch::kCPU)) GTEST_SKIP() << "built without Gloo";
    write_fake_mnist(dir_ / "data", 96, 32);
  }
  std::string train_flags(int64_t batch_size, const fs::path& out, int64_t epochs = 2) const {
    return "train lenet --data-dir " + (dir_ / "data").string() + " --batch-size " + std::to_string(batch_size) +
           " --epochs " + std::to_string(epochs) + " --lr 0.5 --threads 1 --seed 5 --out " + out.string();
  }
  // Two ranks started by hand, torchrun-style, each running `flags`; `then` (shell lines) acts on
  // rank 1 ($R1) while rank 0 ($R0) trains; the script's status is rank 0's.
  CommandResult two_ranks_by_hand(const std::string& flags, const std::string& then) const {
    return run_shell("export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) +
                     "\nRANK=0 \"$D2L\" " + flags + " & R0=$!\nRANK=1 \"$D2L\" " + flags +
                     " >/dev/null 2>&1 & R1=$!\nsleep 4\n" + then + "\nwait $R0; status=$?\nkill -KILL $R1 2>/dev/null\nexit $status");
  }
  TempDir dir_;
};

TEST_F(DataParallel, TwoRanksEndWithTheWeightsOfOneProcessOnTheCombinedBatches) {
  const auto single = run_d2l(train_flags(32, dir_ / "single"));
  ASSERT_EQ(single.exit_code, 0) << single.output;
  const auto ddp = run_d2l("launch --nproc 2 -- " + train_flags(16, dir_ / "ddp"));
  ASSERT_EQ(ddp.exit_code, 0) << ddp.output;
  const auto a = trained_parameters(dir_ / "single"), b = trained_parameters(dir_ / "ddp");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_LT((a[i] - b[i]).abs().max().item<double>(), 1e-6) << "parameter " << i;
  // Training metrics are over all ranks: the same curve as the single process.
  const auto single_csv = train::read_text(dir_ / "single" / "metrics.csv");
  const auto ddp_csv = train::read_text(dir_ / "ddp" / "metrics.csv");
  EXPECT_EQ(single_csv.substr(0, single_csv.find('\n')), ddp_csv.substr(0, ddp_csv.find('\n')));
  // Rank 0 alone wrote: one run folder, one report.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"data", "ddp", "single"}));
  size_t reports = 0;
  for (size_t at = ddp.output.find("run written to"); at != std::string::npos; at = ddp.output.find("run written to", at + 1))
    ++reports;
  EXPECT_EQ(reports, 1u) << ddp.output;
}

TEST_F(DataParallel, ARunResumesOnAnotherWorldSize) {
  const auto ddp = run_d2l("launch --nproc 2 -- " + train_flags(16, dir_ / "run", 1));
  ASSERT_EQ(ddp.exit_code, 0) << ddp.output;
  const auto resumed = run_d2l("train --resume " + (dir_ / "run").string() + " --epochs 2 --threads 1");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(contains(resumed.output, "epoch 2/2")) << resumed.output;
}

TEST_F(DataParallel, AKilledRankEndsTheOthersWithAnError) {
  // The launcher stops the others (SIGTERM) and reports the rank that died.
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_shell("\"$D2L\" launch --nproc 2 -- " + train_flags(16, dir_ / "run", 100000) +
                           " & L=$!\nsleep 4\nkill -KILL $(cut -d' ' -f2 /proc/$L/task/$L/children)\nwait $L");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 137) << r.output;
  EXPECT_TRUE(contains(r.output, "rank 1 was killed by signal Killed; stopping the other ranks")) << r.output;
  EXPECT_LT(seconds, 30.0);
}

TEST_F(DataParallel, WithoutALauncherTheSurvivorFailsWithinTheTimeout) {
  // torchrun-style ranks started by hand: rank 1 dies, rank 0's next collective fails.
  const auto flags = train_flags(16, dir_ / "run", 100000) + " --dist-timeout 20";
  const auto start = std::chrono::steady_clock::now();
  const auto r = two_ranks_by_hand(flags, "kill -KILL $R1");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "error: rank 0: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "with the other ranks failed")) << r.output;
  EXPECT_LT(seconds, 40.0);
}

TEST_F(DataParallel, CtrlCStopsEveryRankWithACheckpointThatResumesExactly) {
  write_fake_mnist(dir_ / "data", 2048, 32);  // 512 steps per rank and epoch at batch 2
  ASSERT_EQ(run_d2l("launch --nproc 2 -- " + train_flags(2, dir_ / "ref") + " --quiet").exit_code, 0);
  const auto last = dir_ / "run" / "checkpoints" / "last.pt";
  const auto stopped = run_shell("\"$D2L\" launch --nproc 2 -- " + train_flags(2, dir_ / "run") +
                                 " --quiet & L=$!\nwhile [ ! -f " + last.string() +
                                 " ]; do sleep 0.05; done\nsleep 0.3\nkill -INT $L\nwait $L");
  ASSERT_EQ(stopped.exit_code, 130) << stopped.output;
  EXPECT_TRUE(contains(stopped.output, "stopped by SIGINT in epoch 2 after batch")) << stopped.output;
  const auto resumed = run_d2l("launch --nproc 2 -- train --resume " + (dir_ / "run").string() + " --quiet");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(train::read_text(dir_ / "ref" / "metrics.csv"), train::read_text(dir_ / "run" / "metrics.csv"));
  const auto a = trained_parameters(dir_ / "ref"), b = trained_parameters(dir_ / "run");
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
}

TEST_F(DataParallel, AHungRankFailsTheOthersAfterTheTimeout) {
  // A stopped (not dead) rank: the others give up after --dist-timeout seconds.
  const auto flags = train_flags(16, dir_ / "run", 100000) + " --dist-timeout 3";
  const auto start = std::chrono::steady_clock::now();
  const auto r = two_ranks_by_hand(flags, "kill -STOP $R1");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "Timed out")) << r.output;
  EXPECT_LT(seconds, 30.0);
}

TEST(DataParallelCli, DistributedWithoutTorchrunVariablesIsAClearError) {
  const auto r = run_d2l("train lenet --distributed");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--distributed needs the variables torchrun sets")) << r.output;
  const auto launch = run_d2l("launch --nproc 2 -- list");
  EXPECT_EQ(launch.exit_code, 2) << launch.output;
  EXPECT_TRUE(contains(launch.output, "d2l launch runs `d2l train` ranks")) << launch.output;
}

}  // namespace
}  // namespace d2l::test
