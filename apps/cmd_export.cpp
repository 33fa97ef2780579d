// d2l export CHECKPOINT [--format torchscript|state-dict]: the trained model for other programs.
// TorchScript (the default) runs in Python (torch.jit.load) and C++ (torch::jit::load) and
// carries our metadata; a state dict goes into a Python model with load_state_dict.
#include <cstdio>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "apps/model_export.h"
#include "train/weights/state_dict.h"

namespace d2l::apps {
namespace {

struct ExportArgs {
  std::string checkpoint;
  std::string format = "torchscript";
  std::string out;
  std::string data_dir;
  int64_t batch = 1;
  std::vector<int64_t> example_shape;
};

void export_command(const ExportArgs& args) {
  auto e = load_trained(args.checkpoint, [&](RunConfig& config) {
    if (!args.data_dir.empty()) config.data_dir = args.data_dir;
    config.device = "cpu";
    config.limit_train = config.limit_test = 1;  // the data only tells the model's input shape
  });
  const bool torchscript = args.format == "torchscript";
  if (torchscript) check_exportable(*e.spec);
  std::filesystem::path out = args.out;
  if (out.empty()) {
    const auto file = checkpoint_path(args.checkpoint);  // runs/x/checkpoints/last.pt
    out = file.parent_path().parent_path() / "exports" / (torchscript ? "model.pt" : "state_dict.pt");
    std::filesystem::create_directories(out.parent_path());
  }
  if (torchscript) {
    export_torchscript(e, e.final_metrics, out, args.batch, args.example_shape);
    std::printf("wrote %s as TorchScript to %s\n", e.config.model.c_str(), out.string().c_str());
    std::printf("in Python: model = torch.jit.load(\"%s\"); model(x)   (d2l inspect shows its input)\n",
                out.string().c_str());
    return;
  }
  const auto state = train::weights::state_dict(*e.model.ptr());
  train::weights::write_state_dict(out, state);
  std::printf("wrote %zu tensors of %s to %s\n", state.size(), e.config.model.c_str(), out.string().c_str());
  std::printf("in Python: model.load_state_dict(torch.load(\"%s\"))\n", out.string().c_str());
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "write a trained model for Python or a C++ service (TorchScript or a state dict)");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file or run directory")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--format", args->format,
                  "torchscript (torch.jit.load / torch::jit::load, with metadata) | state-dict (torch.load)")
      ->check(CLI::IsMember({"torchscript", "state-dict"}));
  cmd->add_option("--out", args->out, "output file (default: RUN/exports/model.pt or state_dict.pt)");
  cmd->add_option("--batch", args->batch, "batch size of the traced example (the export runs at any batch size)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--example-shape", args->example_shape, "one input's shape for tracing, e.g. 1 28 28 (default: the data's)")
      ->expected(1, 4);
  cmd->add_option("--data-dir", args->data_dir, "folder searched first for data files");
  cmd->callback([args] { export_command(*args); });
}

}  // namespace d2l::apps
