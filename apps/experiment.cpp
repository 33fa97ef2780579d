#include "apps/experiment.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <torch/nn/init.h>
#include <torch/utils.h>

#include <stdexcept>
#include <thread>

#include "data/log.h"
#include "models/init.h"
#include "models/mae.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/strings.h"
#include "train/tasks/classification.h"
#include "train/tasks/cyclegan.h"
#include "train/tasks/gan.h"
#include "train/tasks/language_model.h"
#include "train/tasks/masked_autoencoder.h"
#include "train/tasks/regression.h"
#include "train/tasks/segmentation.h"
#include "train/tasks/seq2seq.h"
#include "train/tasks/style_transfer.h"
#include "train/weights/state_dict.h"

namespace d2l::apps {
namespace fs = std::filesystem;

RunConfig resolve(RunConfig c) {
  if (c.model.empty())
    throw std::invalid_argument("no model given: name one (d2l list shows them) or pass --config FILE");
  const auto& spec = find_model(c.model);
  const auto& d = spec.defaults;
  if (c.data.empty()) c.data = d.data;
  find_dataset(c.data);  // fail early on a mistyped name
  if (!c.epochs) c.epochs = d.epochs;
  if (!c.batch_size) c.batch_size = d.batch_size;
  if (!c.lr) c.lr = d.lr;
  if (!c.init) c.init = d.init;
  if (!c.resize) c.resize = d.resize;
  if (!c.dropout.empty() && !spec.takes_dropout)
    throw std::invalid_argument("--dropout: model '" + c.model + "' has no dropout layers (mlp and dropout-mlp do)");
  if (c.dropout.empty()) c.dropout = d.dropout;
  if (!c.optimizer) c.optimizer = d.optimizer;
  if (!c.clip_grad) c.clip_grad = d.clip_grad;
  const bool text = spec.task == TaskKind::language_model || spec.task == TaskKind::seq2seq;
  if (!text && (c.num_steps || c.embed_size || c.max_tokens || c.sampling))
    throw std::invalid_argument("--num-steps / --embed-size / --max-tokens / --sampling are for text models; '" +
                                c.model + "' is not one");
  if (!text && !spec.vision_transformer && (c.num_hiddens || c.num_layers))
    throw std::invalid_argument("--num-hiddens / --num-layers are for text models and vision transformers; '" +
                                c.model + "' is neither");
  if (!spec.vision_transformer && c.patch_size)
    throw std::invalid_argument("--patch-size is for vision transformers (vit, mae); '" + c.model + "' is not one");
  const bool style = spec.task == TaskKind::style_transfer;
  if (!style && (!c.content.empty() || !c.style.empty() || c.image_shape || c.content_weight || c.style_weight || c.tv_weight))
    throw std::invalid_argument("--content / --style / --image-shape / --content-weight / --style-weight / --tv-weight "
                                "are for style transfer; '" + c.model + "' is not neural-style");
  if (style) {
    if (!c.image_shape) c.image_shape = "300x450";
    if (!c.content_weight) c.content_weight = train::StyleTransferOptions().content_weight();
    if (!c.style_weight) c.style_weight = train::StyleTransferOptions().style_weight();
    if (!c.tv_weight) c.tv_weight = train::StyleTransferOptions().tv_weight();
    if (c.new_head || c.freeze_backbone || !c.init_from.empty())
      throw std::invalid_argument("--new-head / --freeze-backbone / --init-from: neural-style trains an image, not a network");
  }
  if (!c.report_every) c.report_every = d.report_every;
  if (!c.beta1) c.beta1 = d.beta1;
  if (spec.task != TaskKind::gan && c.generator_lr)
    throw std::invalid_argument("--generator-lr is for GANs; '" + c.model + "' is not one");
  if (spec.task == TaskKind::gan && !c.generator_lr && d.generator_lr > 0) c.generator_lr = d.generator_lr;
  if (!c.scheduler) c.scheduler = d.scheduler;
  if (!c.step_size) c.step_size = d.step_size;
  if (!c.gamma) c.gamma = d.gamma;
  if (spec.task != TaskKind::mae_pretrain && (c.mask_ratio || c.norm_pix_loss))
    throw std::invalid_argument("--mask-ratio / --norm-pix-loss are for MAE pre-training; '" + c.model + "' is not mae");
  if (text) {
    const auto fill = [](std::optional<int64_t>& value, int64_t fallback) {
      if (!value && fallback > 0) value = fallback;
    };
    fill(c.num_steps, d.num_steps);
    fill(c.num_hiddens, d.num_hiddens);
    fill(c.num_layers, d.num_layers);
    fill(c.embed_size, d.embed_size);
    if (!c.max_tokens && spec.task == TaskKind::language_model) c.max_tokens = d.max_tokens;
    if (!c.sampling && spec.task == TaskKind::language_model) c.sampling = d.sampling;
  }
  validate(c);
  return c;
}

std::shared_ptr<models::EncoderDecoderImpl> encoder_decoder(const torch::nn::AnyModule& model) {
  auto net = std::dynamic_pointer_cast<models::EncoderDecoderImpl>(model.ptr());
  if (!net) throw std::invalid_argument("not a translation model");
  return net;
}

namespace {

// Why CUDA is unavailable: the LibTorch this was built against has none, or no GPU is visible.
std::string no_cuda_reason() {
  const std::string torch = std::string("LibTorch ") + TORCH_VERSION;
#ifdef D2L_TORCH_CUDA
  return "no CUDA device is visible to " + torch + " (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
#else
  return "this d2l is built against " + torch + " for the CPU only; build against a CUDA LibTorch "
         "(scripts/gpu-build.sh, or CMAKE_PREFIX_PATH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'))";
#endif
}

}  // namespace

torch::Device parse_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    std::optional<torch::Device> device;
    try {
      device = torch::Device(name);
    } catch (const std::exception&) {
      throw std::invalid_argument("--device: '" + name + "' is not a device (expected auto, cpu, cuda or cuda:N)");
    }
    if (!torch::cuda::is_available())
      throw std::invalid_argument("--device " + name + ": " + no_cuda_reason());
    if (!device->has_index()) device = torch::Device(torch::kCUDA, 0);  // one name for it everywhere
    if (device->has_index() && device->index() >= static_cast<int>(torch::cuda::device_count()))
      throw std::invalid_argument("--device " + name + ": only " + std::to_string(torch::cuda::device_count()) +
                                  " CUDA device(s) present");
    return *device;
  }
  throw std::invalid_argument("--device: '" + name + "' is not a device (expected auto, cpu, cuda or cuda:N)");
}

std::vector<int64_t> example_shape(const data::DataModule& dm) {
  auto sizes = dm.train.inputs.sizes().vec();
  sizes.erase(sizes.begin());
  if (sizes.size() == 2) sizes.insert(sizes.begin(), 1);  // gray images gain a channel
  if (sizes.size() == 3 && dm.transform.resize > 0) sizes[1] = sizes[2] = dm.transform.resize;
  if (sizes.size() == 3 && dm.transform.crop > 0) sizes[1] = sizes[2] = dm.transform.crop;
  if (sizes.size() == 3 && dm.transform.channels > 0) sizes[0] = dm.transform.channels;
  return sizes;
}

namespace {

// --init-from: the weights of a trained run's model, or of its encoder when it has one (an MAE
// for a ViT), all but the output layer.
void init_from_run(Experiment& e) {
  const auto& c = e.config;
  Experiment source;
  try {
    source = load_trained(c.init_from, [](RunConfig& s) {
      s.limit_train = s.limit_test = 1;  // only its model is needed
      s.device = "cpu";
    });
  } catch (const std::exception& error) {
    throw std::invalid_argument("--init-from " + c.init_from + ": " + error.what());
  }
  const torch::nn::Module* from = source.model.ptr().get();
  for (const auto& child : from->named_children())
    if (child.key() == "encoder") from = child.value().get();
  const auto what = "--init-from " + c.init_from;
  try {
    const auto report = train::weights::load_state_dict(*e.model.ptr(), train::weights::state_dict(*from),
                                                        train::weights::LoadOptions().skip_prefixes(e.spec->head), what);
    if (!c.quiet) logging::info(what + ": " + train::weights::describe(report));
  } catch (const train::weights::ShapeMismatch& error) {
    throw std::invalid_argument(std::string(error.what()) + " (give '" + c.model +
                                "' the sizes it was pre-trained with: --resize, --patch-size, --num-hiddens, --num-layers)");
  } catch (const std::runtime_error& error) {
    throw std::invalid_argument(std::string(error.what()) + " ('" + source.config.model + "' is not a '" + c.model +
                                "' or an encoder of one)");
  }
}

// --weights or --init-from (unless resuming, when the checkpoint has the weights), and the book's
// fine-tuning (d2l 14.2): a fresh output layer, optionally the only one that trains.
void start_from_weights(Experiment& e, bool load_weights) {
  const auto& c = e.config;
  auto& model = *e.model.ptr();
  if (e.spec->task == TaskKind::style_transfer) {
    // --weights are the VGG-19's (loaded with the task); the image starts as the content image.
    torch::NoGradGuard no_grad;
    e.model.get<models::SynthesizedImage>()->weight.copy_(e.data.train.inputs);
    return;
  }
  if (load_weights && !c.init_from.empty()) init_from_run(e);
  if ((c.new_head || c.freeze_backbone || c.head_lr_mult != 1.0) && e.spec->head.empty())
    throw std::invalid_argument("--new-head / --freeze-backbone / --head-lr-mult: model '" + c.model +
                                "' does not name its output layer");
  if (load_weights && !c.weights.empty()) {
    auto options = train::weights::LoadOptions().strict(c.strict_weights);
    if (c.new_head) options.skip_prefixes(e.spec->head);
    try {
      const auto report = train::weights::load_weights(model, c.weights, options);
      // Not strict, a file for another network would load nothing and train from scratch unnoticed.
      if (report.loaded.empty())
        throw std::invalid_argument("--weights " + c.weights + ": none of its tensors has a name of model '" + c.model +
                                    "' (" + train::weights::describe(report) + "); is it a file for another network?");
      if (!c.quiet) logging::info(c.weights + ": " + train::weights::describe(report));
    } catch (const train::weights::ShapeMismatch& error) {
      throw std::runtime_error(std::string("--weights ") + error.what() +
                               (c.new_head ? "" : " (to fine-tune on other classes, add --new-head)"));
    } catch (const std::runtime_error& error) {
      throw std::runtime_error(std::string("--weights ") + error.what());
    }
    if (c.new_head) {
      torch::NoGradGuard no_grad;
      for (auto& p : model.named_parameters())
        if (train::starts_with_any(p.key(), e.spec->head) && p.value().dim() >= 2) torch::nn::init::xavier_uniform_(p.value());
    }
  }
  if (c.freeze_backbone)
    for (auto& p : model.named_parameters())
      if (!train::starts_with_any(p.key(), e.spec->head)) p.value().set_requires_grad(false);
}

// What the data set holds, in the words of task_name.
std::string data_kind(const data::DataModule& dm) {
  if (dm.source_vocab) return "translation";
  if (dm.vocab) return "language modelling";
  if (dm.train.targets.defined() && dm.train.targets.dim() == 3) return "segmentation";  // a class per pixel
  if (dm.train.targets.defined() && dm.train.targets.dim() == 4)  // an image per image
    return dm.name == "style-images" ? "style transfer" : "image translation";
  return dm.class_names.empty() ? "regression" : "classification";
}

std::string task_name(TaskKind task) {
  switch (task) {
    case TaskKind::classification: return "classification";
    case TaskKind::regression:
    case TaskKind::regression_half_squared: return "regression";
    case TaskKind::language_model: return "language modelling";
    case TaskKind::seq2seq: return "translation";
    case TaskKind::mae_pretrain: return "classification";  // labelled images; the labels go unused
    case TaskKind::segmentation: return "segmentation";
    case TaskKind::style_transfer: return "style transfer";
    case TaskKind::gan: return "classification";  // labelled examples; the labels go unused
    case TaskKind::cyclegan: return "image translation";
  }
  return "";
}

// The frozen VGG-19 of style transfer, with --weights (torchvision's vgg19 file) when given.
models::StyleFeatures style_features(const Experiment& e) {
  const auto& c = e.config;
  models::StyleFeatures net;
  if (c.weights.empty()) {
    if (!c.quiet)
      logging::warn("neural-style without --weights: the VGG-19 that measures content and style has random weights, so "
                   "the picture will not look like the book's. torchvision publishes ImageNet-trained weights at "
                   "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth; pass that file with --weights");
  } else {
    const auto what = "--weights " + c.weights;
    train::weights::LoadReport report;
    try {
      report = train::weights::load_weights(*net, c.weights, train::weights::LoadOptions().strict(false));
    } catch (const train::weights::ShapeMismatch& error) {
      throw std::invalid_argument(what + ": not torchvision's VGG-19 (" + error.what() + ")");
    } catch (const std::runtime_error& error) {
      throw std::invalid_argument(what + ": " + error.what());
    }
    if (!report.missing.empty())
      throw std::invalid_argument(what + ": not torchvision's VGG-19 (" + train::weights::describe(report) +
                                  "); neural-style needs vgg19-dcbb9e9d.pth or a file with its names");
    if (!c.quiet) logging::info(what + ": VGG-19 features, " + std::to_string(report.loaded.size()) + " tensors");
  }
  net->to(e.device);
  return net;
}

std::unique_ptr<train::Task> make_task(const Experiment& e) {
  switch (e.spec->task) {
    case TaskKind::classification:
      return std::make_unique<train::ClassificationTask>(e.model);
    case TaskKind::regression:
    case TaskKind::regression_half_squared: {
      const bool half = e.spec->task == TaskKind::regression_half_squared;
      return std::make_unique<train::RegressionTask>(e.model, train::RegressionOptions().half_squared(half));
    }
    case TaskKind::language_model: {
      const bool sequential = e.config.sampling == "sequential";
      return std::make_unique<train::LanguageModelTask>(e.model.get<models::RNNLM>(),
                                                        train::LanguageModelOptions().carry_state(sequential));
    }
    case TaskKind::seq2seq: {
      const auto& vocab = *e.data.vocab;
      return std::make_unique<train::Seq2SeqTask>(encoder_decoder(e.model),
                                                  train::Seq2SeqTaskOptions(vocab["<bos>"], vocab["<eos>"]));
    }
    case TaskKind::segmentation:
      return std::make_unique<train::SegmentationTask>(e.model, static_cast<int64_t>(e.data.class_names.size()));
    case TaskKind::mae_pretrain:
      return std::make_unique<train::MaskedAutoencoderTask>(e.model.get<models::MAE>(), static_cast<uint64_t>(e.config.seed));
    case TaskKind::cyclegan:
      return std::make_unique<train::CycleGANTask>(e.model.get<models::CycleGAN>(),
                                                   train::CycleGANTaskOptions().seed(static_cast<uint64_t>(e.config.seed)));
    case TaskKind::gan: {
      const auto& c = e.config;
      const double scale = c.generator_lr ? *c.generator_lr / *c.lr : 1.0;
      return std::make_unique<train::GANTask>(
          e.model.get<models::GAN>(),
          train::GANTaskOptions().generator_lr_scale(scale).seed(static_cast<uint64_t>(c.seed)));
    }
    case TaskKind::style_transfer: {
      const auto& c = e.config;
      return std::make_unique<train::StyleTransferTask>(
          e.model.get<models::SynthesizedImage>(), style_features(e), e.data.train.inputs, e.data.train.targets,
          train::StyleTransferOptions().content_weight(*c.content_weight).style_weight(*c.style_weight).tv_weight(*c.tv_weight));
    }
  }
  throw std::logic_error("unknown task kind");
}

}  // namespace

Experiment build_experiment(const RunConfig& config, bool load_weights) {
  Experiment e;
  e.config = resolve(config);
  e.spec = &find_model(e.config.model);
  e.device = parse_device(e.config.device);
  train::check_precision(e.device, train::parse_precision(e.config.amp));  // before any work
  const int64_t threads = e.config.threads > 0 ? e.config.threads : std::max(1u, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(threads));
  e.data = find_dataset(e.config.data).load(e.config, *e.config.resize);

  const auto task = e.spec->task;
  const bool regression = task == TaskKind::regression || task == TaskKind::regression_half_squared;
  if (task_name(task) != data_kind(e.data))
    throw std::invalid_argument("model '" + e.config.model + "' (" + task_name(task) + ") cannot train on data set '" +
                                e.config.data + "' (" + data_kind(e.data) + ")");
  if (const int64_t channels = e.spec->defaults.channels; channels > 0) {
    const int64_t have = example_shape(e.data)[0];
    if (have != 1 && have != channels)
      throw std::invalid_argument("model '" + e.config.model + "' needs " + std::to_string(channels) +
                                  "-channel images; data set '" + e.config.data + "' has " + std::to_string(have));
    e.data.transform.channels = channels;
  }
  // A GAN's images are scaled to [-1, 1], its generator's tanh range (the book's Normalize(0.5, 0.5)).
  if (task == TaskKind::gan && example_shape(e.data).size() == 3) {
    const auto channels = static_cast<size_t>(example_shape(e.data)[0]);
    e.data.transform.mean.assign(channels, 0.5);
    e.data.transform.std.assign(channels, 0.5);
  }
  ModelArgs args;
  args.input_shape = example_shape(e.data);
  args.num_outputs = regression ? 1 : e.data.vocab ? e.data.vocab->size() : static_cast<int64_t>(e.data.class_names.size());
  args.dropout = e.config.dropout;
  args.source_vocab = e.data.source_vocab ? e.data.source_vocab->size() : 0;
  args.num_hiddens = e.config.num_hiddens.value_or(0);
  args.num_layers = e.config.num_layers.value_or(0);
  args.embed_size = e.config.embed_size.value_or(0);
  args.patch_size = e.config.patch_size.value_or(0);
  args.mask_ratio = e.config.mask_ratio;
  args.norm_pix_loss = e.config.norm_pix_loss;
  torch::manual_seed(static_cast<uint64_t>(e.config.seed));
  e.model = e.spec->make(args);
  models::apply_init(*e.model.ptr(), models::parse_init(*e.config.init));
  start_from_weights(e, load_weights);
  e.task = make_task(e);
  return e;
}

train::TrainerOptions trainer_options(const Experiment& e, const fs::path& run_dir) {
  const auto& c = e.config;
  train::OptimizerConfig optimizer{*c.optimizer, *c.lr, c.momentum, c.weight_decay, e.spec->head, c.head_lr_mult};
  optimizer.beta1 = *c.beta1;
  train::ScheduleConfig schedule{*c.scheduler, c.warmup_epochs, *c.step_size, *c.gamma, 0.0,
                                 c.decay_epochs.value_or(*c.epochs / 2)};  // CycleGAN: 100 constant + 100 decaying
  return train::TrainerOptions()
      .max_epochs(*c.epochs)
      .batch_size(*c.batch_size)
      .drop_last(c.drop_last)
      .optimizer(optimizer)
      .schedule(schedule)
      .gradient_clip_val(*c.clip_grad)
      .seed(static_cast<uint64_t>(c.seed))
      .device(e.device)
      .channels_last(c.channels_last)
      .precision(train::parse_precision(c.amp))
      .run_dir(run_dir)
      .config(to_toml(c))
      .run_info({{"model", c.model}, {"data", c.data}, {"section", e.spec->section}})
      .quiet(c.quiet)
      .report_every(*c.report_every);
}

fs::path checkpoint_path(const fs::path& p) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) return p / "checkpoints" / "last.pt";
  return p;
}

Experiment load_trained(const fs::path& run_or_checkpoint, const std::function<void(RunConfig&)>& adjust) {
  const auto file = checkpoint_path(run_or_checkpoint);
  auto config = parse_config(train::read_checkpoint_config(file), file.string() + " (its config)");
  config.quiet = true;
  if (adjust) adjust(config);
  auto e = build_experiment(config, /*load_weights=*/false);
  const auto state = train::load_checkpoint(file, *e.model.ptr());
  if (!state.history.rows.empty()) e.final_metrics = state.history.rows.back();
  e.model.ptr()->to(e.device);
  return e;
}

namespace {

// runs/<model>, or runs/<model>-2, -3, ...: never an existing run. Creating the folder claims
// it, so two runs started at once do not pick the same one.
fs::path fresh_run_dir(const std::string& model) {
  std::error_code ec;
  fs::create_directories("runs", ec);
  fs::path dir = fs::path("runs") / model;
  for (int i = 2; !fs::create_directory(dir, ec); ++i) {
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    dir = fs::path("runs") / (model + "-" + std::to_string(i));
  }
  return dir;
}

// This process's place among data-parallel ranks, or nullopt for a single process. Adjusts the
// config: each rank gets its share of the machine's cores (unless --threads says otherwise) and
// its own GPU (torchrun's LOCAL_RANK), and only rank 0 speaks.
std::optional<train::DistributedOptions> rank_options(RunConfig& config, const DistributedRequest& request) {
  auto options = train::distributed_from_env();
  if (!options) {
    if (request.required)
      throw std::invalid_argument(
          "--distributed needs the variables torchrun sets (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT): start it "
          "with `torchrun --no-python --nproc-per-node N d2l train ...` or `d2l launch --nproc N -- train ...`");
    return std::nullopt;
  }
  if (request.timeout_s <= 0) throw std::invalid_argument("--dist-timeout must be a positive number of seconds");
  options->timeout_s(request.timeout_s);
  if (config.threads == 0)
    config.threads = std::max<int64_t>(1, std::thread::hardware_concurrency() / options->local_world_size());
  if ((config.device == "auto" && torch::cuda::is_available()) || config.device == "cuda")
    config.device = "cuda:" + std::to_string(options->local_rank());
  if (options->rank() != 0) {
    config.quiet = true;
    logging::only_warnings();
  }
  return options;
}

}  // namespace

TrainingRun run_training(RunConfig config, const std::optional<fs::path>& resume, const DistributedRequest& distributed) {
  fs::path run_dir;
  std::optional<fs::path> checkpoint;
  if (resume) {
    checkpoint = checkpoint_path(*resume);
    run_dir = config.out.empty() ? checkpoint->parent_path().parent_path() : fs::path(config.out);
  } else if (!config.out.empty()) {
    run_dir = config.out;
    if (fs::exists(run_dir / "checkpoints" / "last.pt"))
      throw std::invalid_argument("--out " + run_dir.string() + " already holds a run; pass --resume " +
                                  run_dir.string() + " or another --out");
  }
  const auto ranks = rank_options(config, distributed);
  // Bad flags or missing data fail before a folder exists (and before the ranks meet). A resumed
  // run's weights come from its checkpoint, not from --weights.
  auto experiment = build_experiment(config, /*load_weights=*/!resume);
  const auto group = ranks ? std::make_shared<train::DistributedGroup>(*ranks, experiment.device) : nullptr;
  const bool main_process = !group || group->is_main();
  if (run_dir.empty() && main_process) run_dir = fresh_run_dir(experiment.config.model);
  auto options = trainer_options(experiment, main_process ? run_dir : fs::path());
  if (group) options.distributed(group).quiet(!main_process || options.quiet());
  train::Trainer trainer(options);
  const auto& c = experiment.config;
  if (!c.quiet && main_process)
    logging::info("training " + c.model + " on " + c.data + " (" +
                  std::to_string(experiment.data.train_loader(*c.batch_size, static_cast<uint64_t>(c.seed)).num_examples()) +
                  " train / " + std::to_string(experiment.data.val.size()) + " test examples) for " +
                  std::to_string(*c.epochs) + " epochs on " + experiment.device.str() + ", " +
                  std::to_string(at::get_num_threads()) + " threads" +
                  (group ? " x " + std::to_string(group->world_size()) + " processes" : "") + "; run: " + run_dir.string());
  TrainingRun run{run_dir, trainer.fit(*experiment.task, experiment.data, checkpoint), experiment.model, main_process};
  return run;
}

}  // namespace d2l::apps
