#include "train/stop.h"

#include <csignal>

namespace d2l::train {
namespace {

volatile std::sig_atomic_t g_received = 0;

void on_signal(int signal) {
  g_received = signal;
  std::signal(signal, SIG_DFL);  // a second Ctrl-C ends the process at once
}

}  // namespace

StopSignals::StopSignals() {
  g_received = 0;
  previous_int_ = std::signal(SIGINT, on_signal);
  previous_term_ = std::signal(SIGTERM, on_signal);
}

StopSignals::~StopSignals() {
  std::signal(SIGINT, previous_int_ == SIG_ERR ? SIG_DFL : previous_int_);
  std::signal(SIGTERM, previous_term_ == SIG_ERR ? SIG_DFL : previous_term_);
}

int StopSignals::received() { return g_received; }

}  // namespace d2l::train
