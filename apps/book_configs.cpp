#include "apps/book_configs.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "apps/suggest.h"

namespace d2l::apps {
namespace fs = std::filesystem;

fs::path configs_dir() {
  if (const char* env = std::getenv("D2L_CONFIGS"); env && *env) return env;
  return D2L_CONFIG_DIR;
}

std::vector<BookConfig> book_configs() {
  const auto dir = configs_dir();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("config folder " + dir.string() + " not found (set D2L_CONFIGS)");
  std::vector<BookConfig> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    out.push_back({entry.path().stem().string(), entry.path(), load_config(entry.path())});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<BookConfig> find_chapter(const std::string& id) {
  std::vector<BookConfig> found;
  std::vector<std::string> known;
  for (auto& c : book_configs()) {
    const auto& sections = c.config.book.sections;
    known.push_back(c.name);
    known.insert(known.end(), sections.begin(), sections.end());
    if (c.name == id || std::find(sections.begin(), sections.end(), id) != sections.end()) found.push_back(c);
  }
  if (found.empty()) {
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    throw std::invalid_argument(unknown_name_message("chapter", id, known));
  }
  return found;
}

}  // namespace d2l::apps
