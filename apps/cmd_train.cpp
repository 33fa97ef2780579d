// d2l train MODEL [--config FILE] [flags] | d2l train --resume RUN [flags]

#include <cstdio>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "apps/flags.h"
#include "apps/model_export.h"
#include "train/checkpoint.h"

namespace d2l::apps {
namespace {

struct TrainArgs {
  std::string model;
  std::string config;
  std::string resume;
  bool export_model = false;
  DistributedRequest distributed;
  RunFlags flags;
};

void train_command(const TrainArgs& args) {
  RunConfig base;
  std::optional<std::filesystem::path> resume;
  if (!args.resume.empty()) {
    resume = checkpoint_path(args.resume);
    base = parse_config(train::read_checkpoint_config(*resume), resume->string() + " (its config)");
  } else if (!args.config.empty()) {
    base = load_config(args.config);
  }
  auto config = args.flags.apply(base);
  if (!args.model.empty()) config.model = args.model;
  if (args.export_model && !config.model.empty()) check_exportable(find_model(config.model));
  const auto run = run_training(config, resume, args.distributed);
  if (!run.main_process) return;  // rank 0 reports and exports
  const auto& h = run.result.history;
  if (!h.rows.empty()) std::printf("%s\n", train::format_metrics(h.rows.back()).c_str());
  // Text models report tokens/sec, as the book's train_ch8 and train_seq2seq do.
  const bool text = run.result.tokens_per_sec > 0;
  std::printf("%.1f %s/sec on %s\n", text ? run.result.tokens_per_sec : run.result.examples_per_sec,
              text ? "tokens" : "examples", parse_device(config.device).str().c_str());
  if (args.export_model) {
    auto trained = load_trained(run.run_dir, [](RunConfig& c) { c.limit_train = c.limit_test = 1; });
    const auto file = run.run_dir / "exports" / "model.pt";
    std::filesystem::create_directories(file.parent_path());
    export_torchscript(trained, trained.final_metrics, file);
    std::printf("TorchScript written to %s\n", file.string().c_str());
  }
  std::printf("run written to %s\n", run.run_dir.string().c_str());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train a model (d2l list shows them) and write a run directory");
  cmd->add_option("model", args->model, "model name, e.g. lenet");
  cmd->add_option("--config", args->config, "TOML file with any of the options (flags override it)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--resume", args->resume, "continue the run in this directory (or from this checkpoint)")
      ->check(CLI::ExistingPath);
  cmd->add_flag("--export", args->export_model, "also write RUN/exports/model.pt (TorchScript, see d2l export)");
  cmd->add_flag("--distributed", args->distributed.required,
                "data-parallel across the processes torchrun or d2l launch started (automatic when WORLD_SIZE is set)");
  cmd->add_option("--dist-timeout", args->distributed.timeout_s,
                  "seconds a rank waits for the others before the run fails (default 600)");
  args->flags.add_to(*cmd);
  cmd->callback([args] { train_command(*args); });
}

}  // namespace d2l::apps
