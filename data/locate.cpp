#include "data/locate.h"

#include <cstdlib>
#include <stdexcept>

namespace d2l::data {
namespace fs = std::filesystem;

std::vector<fs::path> data_roots(const std::optional<fs::path>& data_dir) {
  std::vector<fs::path> roots;
  if (data_dir) roots.push_back(*data_dir);
  if (const char* env = std::getenv("D2L_DATA"); env && *env) roots.emplace_back(env);
  if (const char* home = std::getenv("HOME"); home && *home) roots.push_back(fs::path(home) / ".cache" / "d2l");
  return roots;
}

std::vector<fs::path> search_path(const DataSource& source, const std::optional<fs::path>& data_dir) {
  std::vector<fs::path> dirs;
  for (const auto& root : data_roots(data_dir)) {
    dirs.push_back(root / source.name);
    dirs.push_back(root);
  }
  dirs.insert(dirs.end(), source.system_dirs.begin(), source.system_dirs.end());
  return dirs;
}

fs::path find_file(const fs::path& dir, const std::string& file) {
  std::error_code ec;
  if (fs::exists(dir / file, ec)) return dir / file;
  if (fs::is_regular_file(dir / (file + ".gz"), ec)) return dir / (file + ".gz");
  return {};
}

fs::path locate(const DataSource& source, const std::optional<fs::path>& data_dir) {
  const auto dirs = search_path(source, data_dir);
  for (const auto& dir : dirs) {
    bool complete = true;
    for (const auto& file : source.files) complete = complete && !find_file(dir, file).empty();
    if (complete) return dir;
  }
  std::string message = "data set '" + source.name + "' not found; looked for";
  for (const auto& file : source.files) message += " " + file + "[.gz]";
  message += " in:";
  for (const auto& dir : dirs) message += "\n  " + dir.string();
  message += "\n" + source.how_to_get;
  throw std::runtime_error(message);
}

}  // namespace d2l::data
