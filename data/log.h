// The project's log: timestamped lines on stderr, spdlog underneath, for data/ and every layer
// above it. Callers pass finished strings, so no translation unit that includes torch also
// includes spdlog or its fmt: the CUDA LibTorch of the GPU build ships a fmt of its own.
#pragma once
#include <string>

namespace d2l::logging {

void info(const std::string& message);
void warn(const std::string& message);
void error(const std::string& message);

// From now on only warnings and errors (--quiet).
void only_warnings();
// Lines start with the time of day, "[14:02:11] ..." (the d2l command line).
void with_time_of_day();

}  // namespace d2l::logging
