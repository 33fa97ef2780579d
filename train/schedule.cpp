#include "train/schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace d2l::train {

double learning_rate_at(const ScheduleConfig& s, double base_lr, int64_t step, int64_t steps_per_epoch,
                        int64_t total_steps) {
  const auto warmup = static_cast<int64_t>(std::llround(s.warmup_epochs * static_cast<double>(steps_per_epoch)));
  if (step < warmup) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (s.name == "constant") return base_lr;
  if (s.name == "step") {
    const int64_t epoch = step / std::max<int64_t>(steps_per_epoch, 1);
    return base_lr * std::pow(s.gamma, static_cast<double>(epoch / std::max<int64_t>(s.step_size, 1)));
  }
  if (s.name == "cosine") {
    const double span = static_cast<double>(std::max<int64_t>(total_steps - warmup, 1));
    const double t = std::min(1.0, static_cast<double>(step - warmup) / span);
    return s.min_lr + (base_lr - s.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  throw std::invalid_argument("unknown scheduler '" + s.name + "' (expected constant, step or cosine)");
}

}  // namespace d2l::train
