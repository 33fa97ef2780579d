#include "apps/flags.h"

namespace d2l::apps {

template <typename T, typename Member>
CLI::Option* RunFlags::bind(CLI::App& app, const std::string& flag, Member member, const std::string& help) {
  auto value = std::make_shared<T>();
  auto* option = app.add_option(flag, *value, help);
  bindings_.emplace_back(option, [value, member](RunConfig& c) { c.*member = *value; });
  return option;
}

void RunFlags::add_to(CLI::App& app) {
  const auto positive = CLI::PositiveNumber;
  const auto non_negative = CLI::NonNegativeNumber;
  bind<std::string>(app, "--data", &RunConfig::data, "data set (d2l list shows them); default: the model's");
  bind<std::string>(app, "--data-dir", &RunConfig::data_dir, "folder searched first for data files");
  bind<int64_t>(app, "--epochs", &RunConfig::epochs, "number of epochs")->check(positive);
  bind<int64_t>(app, "--batch-size", &RunConfig::batch_size, "minibatch size")->check(positive);
  bind<double>(app, "--lr", &RunConfig::lr, "learning rate")->check(positive);
  bind<std::string>(app, "--optimizer", &RunConfig::optimizer, "sgd | momentum | adam | adamw")
      ->check(CLI::IsMember({"sgd", "momentum", "adam", "adamw"}));
  bind<double>(app, "--momentum", &RunConfig::momentum, "momentum of --optimizer momentum")->check(non_negative);
  bind<double>(app, "--weight-decay", &RunConfig::weight_decay, "L2 penalty on weights (not biases), as d2l 3.7")
      ->check(non_negative);
  bind<std::string>(app, "--scheduler", &RunConfig::scheduler, "constant | step | cosine")
      ->check(CLI::IsMember({"constant", "step", "cosine"}));
  bind<double>(app, "--warmup-epochs", &RunConfig::warmup_epochs,
               "linear learning-rate warm-up (epochs, may be fractional)")
      ->check(non_negative);
  bind<int64_t>(app, "--step-size", &RunConfig::step_size, "step scheduler: epochs between decays")->check(positive);
  bind<double>(app, "--gamma", &RunConfig::gamma, "step scheduler: decay factor")->check(positive);
  bind<double>(app, "--clip-grad", &RunConfig::clip_grad, "clip gradients to this global L2 norm (0: off)")
      ->check(non_negative);
  bind<int64_t>(app, "--resize", &RunConfig::resize, "resize images to this side (bilinear); 0 keeps them")
      ->check(non_negative);
  bind<std::string>(app, "--init", &RunConfig::init, "weight init: none | xavier | normal")
      ->check(CLI::IsMember({"none", "xavier", "normal"}));
  bind<std::vector<double>>(app, "--dropout", &RunConfig::dropout, "MLP dropout per hidden layer")->expected(1, -1);
  bind<int64_t>(app, "--seed", &RunConfig::seed, "random seed (weights and data order)");
  bind<int64_t>(app, "--threads", &RunConfig::threads, "CPU threads; 0: all cores")->check(non_negative);
  bind<std::string>(app, "--device", &RunConfig::device, "auto | cpu | cuda | cuda:N");
  bind<std::string>(app, "--out", &RunConfig::out, "run directory (default: runs/<model>[-N])");
  bind<int64_t>(app, "--limit-train", &RunConfig::limit_train, "train on the first N examples only")
      ->check(non_negative);
  bind<int64_t>(app, "--limit-test", &RunConfig::limit_test, "evaluate on the first N examples only")
      ->check(non_negative);
  auto quiet = std::make_shared<bool>(false);
  auto* option = app.add_flag("--quiet,-q", *quiet, "no progress or epoch lines");
  bindings_.emplace_back(option, [quiet](RunConfig& c) { c.quiet = *quiet; });
}

RunConfig RunFlags::apply(RunConfig base) const {
  for (const auto& [option, copy] : bindings_)
    if (option->count() > 0) copy(base);
  return base;
}

}  // namespace d2l::apps
