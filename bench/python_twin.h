// Running a benchmark's Python twin (bench/*.py) and reading what it prints.
#pragma once
#include <cstdio>
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

}  // namespace d2l::bench
