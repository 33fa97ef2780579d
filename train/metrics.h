// Epoch metrics as the book computes them: sums over examples, divided once at the end.
#pragma once
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace d2l::train {

// One batch's contribution to a metric: the sum of its values and how many values were summed.
struct Metric {
  std::string name;
  torch::Tensor sum;  // a scalar tensor, left on the device
  int64_t count;
};

// Accumulates metric sums on the device; reading them (one host sync) happens once per report.
class MetricAccumulator {
 public:
  void add(const Metric& metric);
  void add(const std::vector<Metric>& metrics);
  std::map<std::string, double> means() const;  // name -> sum / count

 private:
  std::map<std::string, std::pair<torch::Tensor, int64_t>> sums_;
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
