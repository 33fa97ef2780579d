// d2l inspect FILE: what an exported TorchScript file holds and how to feed it.
#include <cstdio>

#include "apps/commands.h"
#include "apps/model_export.h"
#include "train/torchscript.h"

namespace d2l::apps {
namespace {

void inspect_command(const std::string& file) {
  std::map<std::string, std::string> extra{{kMetadataFile, ""}, {kConfigFile, ""}};
  const auto module = train::load_torchscript(file, extra);
  parse_export_info(extra[kMetadataFile], file);  // must be readable
  int64_t parameters = 0, tensors = 0;
  for (const auto& p : module.named_parameters()) {
    parameters += p.value.numel();
    ++tensors;
  }
  std::printf("%s: TorchScript, %lld parameters in %lld tensors\n%s\n# the run's config (extra file %s)\n%s",
              file.c_str(), static_cast<long long>(parameters), static_cast<long long>(tensors),
              extra[kMetadataFile].c_str(), kConfigFile, extra[kConfigFile].c_str());
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("inspect", "show what an exported TorchScript file holds and how to feed it");
  cmd->add_option("file", *file, "a file written by d2l export")->required()->check(CLI::ExistingFile);
  cmd->callback([file] { inspect_command(*file); });
}

}  // namespace d2l::apps
