#include "apps/flags.h"

#include <algorithm>
#include <optional>
#include <type_traits>

namespace d2l::apps {
namespace {

// The value type a flag parses: the setting's type without std::optional.
template <typename T>
struct flag_value {
  using type = T;
};
template <typename T>
struct flag_value<std::optional<T>> {
  using type = T;
};

std::string flag_name(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key == "quiet" ? "--quiet,-q" : "--" + key;
}

}  // namespace

void RunFlags::add_to(CLI::App& app) {
  for_each_setting(
      [&](const std::string& key, const char* help, auto& field) {
        if (key == "model") return;  // a positional argument of the commands that take one
        using Field = std::remove_reference_t<decltype(field)>;
        using Value = typename flag_value<Field>::type;
        CLI::Option* option;
        if constexpr (std::is_same_v<Value, bool>) {
          option = app.add_flag(flag_name(key), field, help);
        } else {
          // Values are range-checked by validate(), for flags and config files alike.
          option = app.add_option_function<Value>(
              flag_name(key), [&field](const Value& v) { field = v; }, help);
        }
        options_[key] = option;
      },
      given_);
}

RunConfig RunFlags::apply(RunConfig base) const {
  for_each_setting(
      [&](const std::string& key, const char*, auto& field, const auto& given) {
        auto it = options_.find(key);
        if (it != options_.end() && it->second->count() > 0) field = given;
      },
      base, given_);
  return base;
}

}  // namespace d2l::apps
