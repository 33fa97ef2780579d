// Running a benchmark's Python twin (bench/*.py) and reading what it prints.
#pragma once
#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace d2l::bench {

// The lines `command` writes to standard output; none when it cannot be started.
inline std::vector<std::string> output_lines(const std::string& command) {
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return lines;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) lines.emplace_back(line);
  ::pclose(pipe);
  return lines;
}

// The number in the last "NAME NUMBER" line `command` prints (a twin's measurement); none when
// it printed no such line (no Python, no torch, a crash).
inline std::optional<double> measured_value(const std::string& command) {
  std::optional<double> out;
  for (const auto& line : output_lines(command)) {
    std::istringstream in(line);
    std::string name;
    double value;
    if (in >> name >> value) out = value;
  }
  return out;
}

// One C++ measurement against its Python twin: the best of each side over alternating rounds
// (the machine's speed drifts, so alternating is fairer than one side's rounds then the other's).
struct Comparison {
  double cpp = 0;
  std::optional<double> python;  // none when the twin could not run
};

inline Comparison compare(int rounds, const std::function<double()>& cpp,
                          const std::function<std::optional<double>()>& python) {
  Comparison out;
  bool python_found = true;
  for (int round = 0; round < rounds; ++round) {
    if (const auto r = python())
      out.python = std::max(out.python.value_or(0.0), *r);
    else
      python_found = false;
    out.cpp = std::max(out.cpp, cpp());
  }
  if (!python_found) out.python.reset();
  return out;
}

// "| name | C++ | Python | ratio |" with `decimals` digits after the point.
inline void print_row(const std::string& name, const Comparison& c, int decimals) {
  if (c.python)
    std::printf("| %s | %.*f | %.*f | %.2f |\n", name.c_str(), decimals, c.cpp, decimals, *c.python, c.cpp / *c.python);
  else
    std::printf("| %s | %.*f | n/a | |\n", name.c_str(), decimals, c.cpp);
  std::fflush(stdout);
}

}  // namespace d2l::bench
