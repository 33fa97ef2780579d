// Epoch metrics as the book computes them: sums over examples, divided once at the end.
#pragma once
#include <torch/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace d2l::train {

// One batch's contribution to a metric: the sum of its values and how many values were summed.
struct Metric {
  std::string name;
  torch::Tensor sum;  // a scalar tensor, left on the device
  int64_t count;
  // A count known only on the device (e.g. valid target tokens): added to `count`, read with the
  // sums, so that a training step never waits for the device.
  torch::Tensor device_count = {};
};

// Accumulates metric sums on the device; reading them (one host sync) happens once per report.
class MetricAccumulator {
 public:
  // Sums and counts by name, as totals() returns them (a run stopped mid-epoch goes on from them).
  using Totals = std::map<std::string, std::pair<double, double>>;
  MetricAccumulator() = default;
  explicit MetricAccumulator(const Totals& totals);
  Totals totals() const;

  void add(const Metric& metric);
  void add(const std::vector<Metric>& metrics);
  std::map<std::string, double> means() const;  // name -> sum / count
  // Data-parallel training: replaces every sum and count by its total over the processes, which
  // `sum_over_processes` computes in place (DistributedGroup::all_reduce_sum).
  void combine(const std::function<void(const std::vector<torch::Tensor>&)>& sum_over_processes);

 private:
  struct Sum {
    torch::Tensor sum;
    int64_t count;
    torch::Tensor device_count;  // undefined unless a batch counted on the device
  };
  std::map<std::string, Sum> sums_;
};

// One row per epoch; the columns are the union of the metric names in first-seen order.
struct History {
  std::vector<std::string> columns;
  std::vector<std::map<std::string, double>> rows;

  void append(const std::map<std::string, double>& row);
  std::string to_csv() const;
  static History from_csv(const std::string& text);
};

}  // namespace d2l::train
