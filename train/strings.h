// Small string helpers shared by the training library's files.
#pragma once
#include <exception>
#include <string>
#include <vector>

namespace d2l::train {

// The first line of a message: LibTorch's errors append a C++ stack trace after it.
inline std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }
inline std::string first_line(const std::exception& e) { return first_line(std::string(e.what())); }

// Whether `name` starts with one of `prefixes` ("fc." matches "fc.weight").
inline bool starts_with_any(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes)
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace d2l::train
