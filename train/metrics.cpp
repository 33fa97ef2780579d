#include "train/metrics.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace d2l::train {

MetricAccumulator::MetricAccumulator(const Totals& totals) {
  for (const auto& [name, total] : totals)
    sums_.emplace(name, Sum{torch::tensor(total.first, torch::kFloat64), 0, torch::tensor(total.second, torch::kFloat64)});
}

MetricAccumulator::Totals MetricAccumulator::totals() const {
  Totals out;
  for (const auto& [name, s] : sums_)
    out[name] = {s.sum.item<double>(),
                 static_cast<double>(s.count) + (s.device_count.defined() ? s.device_count.item<double>() : 0.0)};
  return out;
}

void MetricAccumulator::add(const Metric& metric) {
  const auto device_count = [&] { return metric.device_count.detach().to(torch::kFloat64); };
  auto it = sums_.find(metric.name);
  if (it == sums_.end()) {
    // Sums are kept in double precision: an epoch adds up hundreds of batch sums.
    sums_.emplace(metric.name, Sum{metric.sum.detach().to(torch::kFloat64), metric.count,
                                   metric.device_count.defined() ? device_count() : torch::Tensor()});
    return;
  }
  auto& s = it->second;
  s.sum.add_(metric.sum.detach());  // in place, one kernel per metric and batch
  s.count += metric.count;
  if (metric.device_count.defined()) {
    if (s.device_count.defined())
      s.device_count.add_(metric.device_count.detach());
    else
      s.device_count = device_count();
  }
}

void MetricAccumulator::add(const std::vector<Metric>& metrics) {
  for (const auto& m : metrics) add(m);
}

void MetricAccumulator::combine(const std::function<void(const std::vector<torch::Tensor>&)>& sum_over_processes) {
  if (sums_.empty()) return;
  // One tensor of (sum, count) rows, in the map's (name) order, the same on every process.
  std::vector<torch::Tensor> rows;
  for (const auto& [name, s] : sums_) {
    auto count = torch::full({}, static_cast<double>(s.count), s.sum.options());
    if (s.device_count.defined()) count = count + s.device_count.to(s.sum.device());
    rows.push_back(torch::stack({s.sum.reshape({}), count}));
  }
  auto packed = torch::stack(rows);
  sum_over_processes({packed});
  int64_t i = 0;
  for (auto& [name, s] : sums_) {
    s.sum = packed[i][0].clone();
    s.count = 0;
    s.device_count = packed[i][1].clone();
    ++i;
  }
}

std::map<std::string, double> MetricAccumulator::means() const {
  std::map<std::string, double> out;
  for (const auto& [name, s] : sums_) {
    const double count =
        static_cast<double>(s.count) + (s.device_count.defined() ? s.device_count.item<double>() : 0.0);
    out[name] = count > 0 ? s.sum.item<double>() / count : std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

namespace {
// Column order of metrics.csv: epoch, train loss and accuracy, test loss and accuracy, the rest.
int column_rank(const std::string& name) {
  if (name == "epoch") return 0;
  const int accuracy = name.find("acc") != std::string::npos ? 1 : 0;  // losses first
  if (name.rfind("train_", 0) == 0) return 1 + accuracy;
  if (name.rfind("test_", 0) == 0) return 3 + accuracy;
  return 5;
}
}  // namespace

void History::append(const std::map<std::string, double>& row) {
  for (const auto& [name, value] : row) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
  }
  std::stable_sort(columns.begin(), columns.end(),
                   [](const std::string& a, const std::string& b) { return column_rank(a) < column_rank(b); });
  rows.push_back(row);
}

std::string History::to_csv() const {
  std::ostringstream out;
  out << std::setprecision(9);
  for (size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << columns[c];
  out << "\n";
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out << ",";
      auto it = row.find(columns[c]);
      if (it != row.end()) out << it->second;
    }
    out << "\n";
  }
  return out.str();
}

History History::from_csv(const std::string& text) {
  History history;
  std::istringstream in(text);
  std::string line;
  auto split = [](const std::string& s) {
    std::vector<std::string> cells;
    std::stringstream ss(s);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!s.empty() && s.back() == ',') cells.emplace_back();
    return cells;
  };
  if (!std::getline(in, line)) return history;
  history.columns = split(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split(line);
    std::map<std::string, double> row;
    for (size_t c = 0; c < cells.size() && c < history.columns.size(); ++c) {
      if (!cells[c].empty()) row[history.columns[c]] = std::stod(cells[c]);
    }
    history.rows.push_back(row);
  }
  return history;
}

}  // namespace d2l::train
