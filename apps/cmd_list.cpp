// d2l list: models (with parameter counts), data sets and book configs.
#include <cstdio>

#include "apps/book_configs.h"
#include "apps/commands.h"
#include "apps/registry.h"

namespace d2l::apps {
namespace {

// Parameter count at the model's default input (one example of its default data set), as text;
// "-" where it depends on a vocabulary only known once the data is read.
std::string default_parameter_count(const ModelSpec& spec) {
  const auto args = default_args(spec);
  if (!args) return "-";
  auto model = spec.make(*args);
  return std::to_string(count_parameters(*model.ptr()));
}

void list_command() {
  std::printf("Models (parameters at the default input):\n");
  for (const auto& spec : models())
    std::printf("  %-26s %-6s %10s  %s\n", spec.name.c_str(), spec.section.c_str(),
                default_parameter_count(spec).c_str(), spec.title.c_str());
  std::printf("\nData sets:\n");
  for (const auto& spec : datasets()) std::printf("  %-26s %s\n", spec.name.c_str(), spec.description.c_str());
  std::printf("\nBook configs (d2l chapter NAME|SECTION, files in %s):\n", configs_dir().string().c_str());
  for (const auto& c : book_configs()) {
    std::string sections;
    for (const auto& s : c.config.book.sections) sections += (sections.empty() ? "" : " ") + s;
    std::printf("  %-34s %-22s %s\n", c.name.c_str(), sections.c_str(), c.config.book.title.c_str());
  }
}

}  // namespace

void add_list_command(CLI::App& app) {
  app.add_subcommand("list", "list models, data sets and book configs")->callback(list_command);
}

}  // namespace d2l::apps
