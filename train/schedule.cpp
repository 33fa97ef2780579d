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
  if (s.name == "linear") {
    const int64_t per_epoch = std::max<int64_t>(steps_per_epoch, 1);
    const int64_t epoch = step / per_epoch, epochs = std::max<int64_t>(total_steps / per_epoch, 1);
    const int64_t constant_epochs = epochs - std::clamp<int64_t>(s.decay_epochs, 0, epochs);
    const double decayed = static_cast<double>(std::max<int64_t>(0, epoch + 1 - constant_epochs));
    return base_lr * (1.0 - decayed / static_cast<double>(s.decay_epochs + 1));
  }
  throw std::invalid_argument("unknown scheduler '" + s.name + "' (expected constant, step, cosine or linear)");
}

}  // namespace d2l::train
