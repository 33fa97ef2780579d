// Learning-rate schedules as functions of the step (d2l 12.11): constant, step, cosine, and
// CycleGAN's constant-then-linear decay, each with an optional linear warm-up.
#pragma once
#include <cstdint>
#include <string>

namespace d2l::train {

struct ScheduleConfig {
  std::string name = "constant";  // constant | step | cosine | linear
  double warmup_epochs = 0.0;     // linear ramp from 0 to the base rate
  int64_t step_size = 30;         // step: epochs between decays
  double gamma = 0.1;             // step: decay factor
  double min_lr = 0.0;            // cosine: final rate
  // linear: the rate holds for the first epochs, then falls by equal steps over the last
  // decay_epochs towards 0 (CycleGAN's lambda_rule: epoch e of E, 0-based, is scaled by
  // 1 - max(0, e + 1 - (E - decay_epochs)) / (decay_epochs + 1)).
  int64_t decay_epochs = 0;
};

// The rate for optimisation step `step` (0-based) of a run with `total_steps` steps.
double learning_rate_at(const ScheduleConfig& schedule, double base_lr, int64_t step, int64_t steps_per_epoch,
                        int64_t total_steps);

}  // namespace d2l::train
