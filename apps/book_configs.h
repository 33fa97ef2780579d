// The configs/ folder: one TOML file per book experiment, found by section number or name.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "apps/run_config.h"

namespace d2l::apps {

struct BookConfig {
  std::string name;  // file stem, e.g. "lenet"
  std::filesystem::path file;
  RunConfig config;
};

// $D2L_CONFIGS when set, else the source tree's configs/ folder.
std::filesystem::path configs_dir();
std::vector<BookConfig> book_configs();

// Every config whose [book] sections list `id` ("7.6", "zh:6.6") or whose name is `id` ("lenet").
// Throws with the close matches when none does.
std::vector<BookConfig> find_chapter(const std::string& id);

}  // namespace d2l::apps
