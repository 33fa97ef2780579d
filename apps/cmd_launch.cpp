// d2l launch --nproc N -- train ...: starts N ranks of d2l on this machine with the environment
// torchrun gives them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
// forwards Ctrl-C and SIGTERM to them, and stops the others when one fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>


#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

#include "apps/commands.h"
#include "data/log.h"

namespace d2l::apps {
namespace {

struct LaunchArgs {
  int64_t nproc = 2;
  int64_t master_port = 0;  // 0: a free port
  int64_t grace_s = 10;
  std::vector<std::string> command;
};

// The ranks' process ids, for the signal handler (which may only call async-signal-safe functions).
constexpr int kMaxRanks = 256;
std::atomic<pid_t> g_ranks[kMaxRanks];
std::atomic<int> g_rank_count{0};

volatile std::sig_atomic_t g_stopping = 0;

void forward_signal(int signal) {
  for (int i = 0; i < g_rank_count.load(); ++i)
    if (const pid_t pid = g_ranks[i].load(); pid > 0) ::kill(pid, signal);
}

// Ctrl-C or SIGTERM to the launcher: each rank gets it once and stops gracefully (with a checkpoint).
void on_stop_signal(int signal) {
  g_stopping = 1;
  forward_signal(signal);
}

// A port that was free a moment ago on the loopback (the kernel picks it).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

std::string self_path() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw std::runtime_error("cannot find the d2l binary (/proc/self/exe)");
  return std::string(path, static_cast<size_t>(n));
}

pid_t start_rank(const std::string& binary, const std::vector<std::string>& command, int64_t rank, int64_t nproc,
                 int port) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("cannot start a rank: ") + std::strerror(errno));
  if (pid > 0) return pid;
  // Its own process group, so that Ctrl-C reaches the rank once, through the launcher; and
  // SIGTERM if the launcher dies.
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  const auto set = [](const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); };
  set("RANK", std::to_string(rank));
  set("LOCAL_RANK", std::to_string(rank));
  set("WORLD_SIZE", std::to_string(nproc));
  set("LOCAL_WORLD_SIZE", std::to_string(nproc));
  set("MASTER_ADDR", "127.0.0.1");
  set("MASTER_PORT", std::to_string(port));
  std::vector<char*> argv{const_cast<char*>("d2l")};
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  std::fprintf(stderr, "error: cannot run %s: %s\n", binary.c_str(), std::strerror(errno));
  ::_exit(127);
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

void launch_command(const LaunchArgs& a) {
  if (a.nproc < 1 || a.nproc > kMaxRanks)
    throw std::invalid_argument("--nproc must be between 1 and " + std::to_string(kMaxRanks));
  if (a.command.empty() || a.command.front() != "train")
    throw std::invalid_argument("d2l launch runs `d2l train` ranks: d2l launch --nproc N -- train MODEL [options]");
  if (a.master_port < 0 || a.master_port > 65535) throw std::invalid_argument("--master-port must be a port, 0..65535");
  const int port = a.master_port > 0 ? static_cast<int>(a.master_port) : free_port();
  const auto binary = self_path();
  std::vector<pid_t> pids;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  for (int64_t rank = 0; rank < a.nproc; ++rank) {
    pids.push_back(start_rank(binary, a.command, rank, a.nproc, port));
    g_ranks[rank] = pids.back();
    g_rank_count = static_cast<int>(rank + 1);
  }
  // Wait for every rank; the first failure stops the others (SIGTERM, then SIGKILL after the grace time).
  int failed_status = 0;
  int64_t failed_rank = -1;
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  size_t running = pids.size();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, kill_at ? WNOHANG : 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) break;
    if (pid == 0) {  // others still running after a failure
      if (std::chrono::steady_clock::now() >= *kill_at) forward_signal(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    --running;
    for (size_t rank = 0; rank < pids.size(); ++rank) {
      if (pids[rank] != pid) continue;
      g_ranks[rank] = 0;
      if (exit_code(status) != 0 && failed_rank < 0) {
        failed_rank = static_cast<int64_t>(rank);
        failed_status = status;
        if (running > 0 && !g_stopping) {  // after a stop signal, the others are stopping already
          logging::error("rank " + std::to_string(rank) + " " + describe(status) + "; stopping the other ranks");
          forward_signal(SIGTERM);
          kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(a.grace_s);
        }
      }
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (failed_rank >= 0) {
    // After Ctrl-C or SIGTERM the ranks said how they stopped; otherwise name the one that failed.
    if (!g_stopping)
      std::fprintf(stderr, "error: rank %lld %s\n", static_cast<long long>(failed_rank), describe(failed_status).c_str());
    std::exit(exit_code(failed_status));
  }
}

}  // namespace

void add_launch_command(CLI::App& app) {
  auto args = std::make_shared<LaunchArgs>();
  auto* cmd = app.add_subcommand(
      "launch", "data-parallel training in N local processes, as torchrun: d2l launch --nproc 2 -- train lenet ...");
  cmd->add_option("--nproc,--nproc-per-node", args->nproc, "number of ranks (processes) to start (default 2)");
  cmd->add_option("--master-port", args->master_port, "port of the rendezvous on 127.0.0.1 (default: a free one)");
  cmd->add_option("--grace", args->grace_s, "seconds the other ranks get to stop after one failed (default 10)");
  cmd->add_option("command", args->command, "after --: the d2l command each rank runs (train ...)")->required();
  cmd->callback([args] { launch_command(*args); });
}

}  // namespace d2l::apps
