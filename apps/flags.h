// The run flags shared by `train` and `chapter`: one flag per setting of RunConfig (from
// for_each_setting). Only flags given on the command line override a config file's values.
#pragma once
#include <CLI/CLI.hpp>

#include <map>
#include <string>

#include "apps/run_config.h"

namespace d2l::apps {

class RunFlags {
 public:
  // Adds the flags to `app`; this object must outlive the parse.
  void add_to(CLI::App& app);
  // `base` (from a config file or checkpoint) with the given flags applied on top.
  RunConfig apply(RunConfig base) const;

 private:
  RunConfig given_;                              // what the flags set
  std::map<std::string, CLI::Option*> options_;  // setting key -> its flag
};

}  // namespace d2l::apps
