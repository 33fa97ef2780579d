// The run flags shared by `train` and `chapter`. Each flag writes into its own slot; only
// flags given on the command line override the values from a config file.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "apps/run_config.h"

namespace d2l::apps {

class RunFlags {
 public:
  void add_to(CLI::App& app);
  // `base` (from a config file or checkpoint) with the given flags applied on top.
  RunConfig apply(RunConfig base) const;

 private:
  template <typename T, typename Member>
  CLI::Option* bind(CLI::App& app, const std::string& flag, Member member, const std::string& help);
  std::vector<std::pair<CLI::Option*, std::function<void(RunConfig&)>>> bindings_;
};

}  // namespace d2l::apps
