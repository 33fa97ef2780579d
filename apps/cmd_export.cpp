// d2l export CHECKPOINT --format state-dict: the trained weights as a file Python's torch.load
// reads, ready for load_state_dict (torchvision's model, for the tv-* networks).
#include <cstdio>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "train/weights/state_dict.h"

namespace d2l::apps {
namespace {

struct ExportArgs {
  std::string checkpoint;
  std::string format = "state-dict";
  std::string out;
  std::string data_dir;
};

void export_command(const ExportArgs& args) {
  auto e = load_trained(args.checkpoint, [&](RunConfig& config) {
    if (!args.data_dir.empty()) config.data_dir = args.data_dir;
    config.device = "cpu";
    config.limit_train = config.limit_test = 1;  // the data only tells the model's input shape
  });
  std::filesystem::path out = args.out;
  if (out.empty()) {
    const auto file = checkpoint_path(args.checkpoint);
    out = file.parent_path().parent_path() / "exports" / "state_dict.pt";  // runs/x/checkpoints/last.pt
    std::filesystem::create_directories(out.parent_path());
  }
  const auto state = train::weights::state_dict(*e.model.ptr());
  train::weights::write_state_dict(out, state);
  std::printf("wrote %zu tensors of %s to %s\n", state.size(), e.config.model.c_str(), out.string().c_str());
  std::printf("in Python: model.load_state_dict(torch.load(\"%s\"))\n", out.string().c_str());
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "write a checkpoint's weights for Python (torch.load + load_state_dict)");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file or run directory")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--format", args->format, "state-dict: a dict of tensors, torch.save's zip format")
      ->check(CLI::IsMember({"state-dict"}));
  cmd->add_option("--out", args->out, "output file (default: RUN/exports/state_dict.pt)");
  cmd->add_option("--data-dir", args->data_dir, "folder searched first for data files");
  cmd->callback([args] { export_command(*args); });
}

}  // namespace d2l::apps
