// Progress on the terminal: a redrawn bar when stderr is a terminal, plain log lines otherwise.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace d2l::train {

class Progress {
 public:
  explicit Progress(bool quiet);
  // Called each batch; `status` (which may read the device) is only evaluated when redrawing.
  void batch(int64_t epoch, int64_t max_epochs, int64_t index, int64_t num_batches,
             const std::function<std::string()>& status);
  void line(const std::string& text);  // a finished epoch or a message: clears the bar first

 private:
  bool quiet_;
  bool terminal_;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace d2l::train
