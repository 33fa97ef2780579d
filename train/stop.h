// Graceful stops: SIGINT (Ctrl-C) or SIGTERM (a scheduler's notice) asks the trainer to finish the
// step it is in, write a checkpoint and stop; a second signal ends the process at once.
#pragma once
#include <stdexcept>
#include <string>

namespace d2l::train {

// Installs the handlers for its lifetime (the previous ones come back when it dies).
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // The signal received since the handlers were installed (SIGINT or SIGTERM), 0 if none.
  static int received();

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

// Thrown by Trainer::fit after a stop signal, once the checkpoint is written; the process should
// exit with 128 + signal, as a shell reports a process ended by it.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& message) : std::runtime_error(message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace d2l::train
