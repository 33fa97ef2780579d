#include "train/progress.h"

#include <unistd.h>

#include <cstdio>

#include "data/log.h"

namespace d2l::train {

Progress::Progress(bool quiet) : quiet_(quiet), terminal_(::isatty(STDERR_FILENO) != 0) {}

void Progress::batch(int64_t epoch, int64_t max_epochs, int64_t index, int64_t num_batches,
                     const std::function<std::string()>& status) {
  if (quiet_ || !terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (index + 1 < num_batches && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * (index + 1) / num_batches);
  std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s%s] %lld/%lld %s", static_cast<long long>(epoch),
               static_cast<long long>(max_epochs), std::string(filled, '=').c_str(),
               std::string(kWidth - filled, ' ').c_str(), static_cast<long long>(index + 1),
               static_cast<long long>(num_batches), status().c_str());
  std::fflush(stderr);
  bar_shown_ = true;
}

void Progress::line(const std::string& text) {
  if (bar_shown_) {
    std::fprintf(stderr, "\r\033[K");
    bar_shown_ = false;
  }
  if (!quiet_) logging::info(text);
}

}  // namespace d2l::train
