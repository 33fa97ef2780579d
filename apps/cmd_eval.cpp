// d2l eval CHECKPOINT: the validation metrics of a saved model.
#include <cstdio>

#include "apps/commands.h"
#include "apps/experiment.h"

namespace d2l::apps {
namespace {

struct EvalArgs {
  std::string checkpoint;
  std::string data_dir;
  std::string device;
  int64_t batch_size = 0;
  int64_t limit_test = -1;
};

void eval_command(const EvalArgs& args) {
  auto e = load_trained(args.checkpoint, [&](RunConfig& config) {
    if (!args.data_dir.empty()) config.data_dir = args.data_dir;
    if (!args.device.empty()) config.device = args.device;
    if (args.batch_size > 0) config.batch_size = args.batch_size;
    if (args.limit_test >= 0) config.limit_test = args.limit_test;
    config.limit_train = 1;  // evaluation never touches the training split
  });
  const auto loader = e.data.val_loader(data::LoaderOptions().batch_size(*e.config.batch_size).device(e.device));
  const auto metrics = train::Trainer::evaluate(*e.task, loader, e.device);
  std::printf("%s on %lld %s examples\n", train::format_metrics(metrics).c_str(),
              static_cast<long long>(e.data.val.size()), e.config.data.c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "evaluate a checkpoint on its data set's test split");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint file or run directory")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--data-dir", args->data_dir, "folder searched first for data files");
  cmd->add_option("--device", args->device, "auto | cpu | cuda | cuda:N");
  cmd->add_option("--batch-size", args->batch_size, "minibatch size")->check(CLI::PositiveNumber);
  cmd->add_option("--limit-test", args->limit_test, "evaluate on the first N examples only")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { eval_command(*args); });
}

}  // namespace d2l::apps
