// Where data sets are looked up: --data-dir, then $D2L_DATA, then ~/.cache/d2l, then system folders.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace d2l::data {

struct DataSource {
  std::string name;                                // "fashion-mnist"
  std::vector<std::string> files;                  // files or folders; all must be present (a file's ".gz" twin counts)
  std::vector<std::filesystem::path> system_dirs;  // e.g. /usr/share/datasets/fashion-mnist
  std::string how_to_get;                          // one line the error prints
};

// The data folders, in order: data_dir, $D2L_DATA, ~/.cache/d2l.
std::vector<std::filesystem::path> data_roots(const std::optional<std::filesystem::path>& data_dir);

// The folders searched, in order: each root itself and root/<name>.
std::vector<std::filesystem::path> search_path(const DataSource& source,
                                               const std::optional<std::filesystem::path>& data_dir);

// The first folder holding every file of `source`; otherwise throws std::runtime_error listing
// every folder searched and how to get the data.
std::filesystem::path locate(const DataSource& source, const std::optional<std::filesystem::path>& data_dir);

// `dir/file` (a file or a folder) or `dir/file.gz`, whichever exists (empty path when neither does).
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& file);

}  // namespace d2l::data
