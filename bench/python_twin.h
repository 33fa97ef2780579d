// Running a benchmark's Python twin (bench/*.py) and reading what it prints.
#pragma once
#include <cstdio>
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

}  // namespace d2l::bench
