#include "data/log.h"

#include <spdlog/spdlog.h>

namespace d2l::logging {

void info(const std::string& message) { spdlog::info(message); }
void warn(const std::string& message) { spdlog::warn(message); }
void error(const std::string& message) { spdlog::error(message); }

void only_warnings() { spdlog::set_level(spdlog::level::warn); }
void with_time_of_day() { spdlog::set_pattern("[%H:%M:%S] %v"); }

}  // namespace d2l::logging
