#include "apps/suggest.h"

#include <algorithm>

namespace d2l::apps {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> close_matches(const std::string& name, const std::vector<std::string>& known) {
  std::vector<std::pair<size_t, std::string>> scored;
  const size_t limit = std::max<size_t>(2, name.size() / 3);
  for (const auto& k : known) {
    const size_t d = edit_distance(name, k);
    if (d <= limit || (name.size() >= 3 && k.find(name) != std::string::npos)) scored.emplace_back(d, k);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& s : scored) out.push_back(s.second);
  return out;
}

std::string unknown_name_message(const std::string& what, const std::string& name,
                                 const std::vector<std::string>& known) {
  std::string message = "unknown " + what + " '" + name + "'";
  const auto matches = close_matches(name, known);
  if (!matches.empty()) {
    message += "; did you mean";
    for (size_t i = 0; i < matches.size() && i < 3; ++i) message += (i ? ", " : " ") + matches[i];
    message += "?";
  }
  message += " (known: ";
  for (size_t i = 0; i < known.size(); ++i) message += (i ? ", " : "") + known[i];
  return message + ")";
}

}  // namespace d2l::apps
