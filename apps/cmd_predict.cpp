// d2l predict CHECKPOINT IMAGE...            classes of images with a trained run's model
// d2l predict --model NAME --weights FILE IMAGE...   e.g. torchvision's pretrained ImageNet weights
// d2l predict CHECKPOINT --prefix "time traveller"   text from a language model
// d2l predict MAE_RUN [IMAGE...] --out recon.png     masked-autoencoder reconstructions
// d2l predict FCN_RUN [IMAGE...] --out DIR           segmentation masks beside their images
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "apps/model_export.h"
#include "apps/text_prediction.h"
#include "models/mae.h"
#include "train/plot.h"
#include "data/image.h"
#include "data/imagenet_classes.h"
#include "data/resize.h"
#include "data/voc.h"
#include "train/torchscript.h"
#include "train/weights/state_dict.h"

namespace d2l::apps {
namespace {

struct PredictArgs {
  std::string checkpoint;
  std::vector<std::string> images;
  std::string model;
  std::string weights;
  int64_t num_classes = 1000;
  int64_t top_k = 5;
  int64_t threads = 0;
  std::string data_dir;
  std::optional<std::string> prefix;  // text generation instead of image classification
  int64_t num_preds = 50;
  std::string out;    // MAE runs: the reconstruction grid (PNG); segmentation runs: a folder
  int64_t num = 8;    // MAE and segmentation runs without IMAGEs: this many validation images
  int64_t seed = 0;   // MAE runs: which patches are masked
};

// torchvision's ImageNet evaluation transform: Resize(256) (shorter side to 256, the longer one
// truncated as torchvision does), CenterCrop(224) (offsets rounded half to even, as Python's
// round), ImageNet mean and std.
torch::Tensor imagenet_input(const std::filesystem::path& file) {
  auto X = data::read_image(file, 3).unsqueeze(0).to(torch::kFloat32).div_(255.0);
  const int64_t h = X.size(2), w = X.size(3);
  X = h <= w ? data::resize_batch(X, 256, 256 * w / h) : data::resize_batch(X, 256 * h / w, 256);
  const auto top = static_cast<int64_t>(std::nearbyint((X.size(2) - 224) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint((X.size(3) - 224) / 2.0));
  X = X.slice(2, top, top + 224).slice(3, left, left + 224);
  const auto mean = torch::tensor(data::kImageNetMean).view({1, 3, 1, 1});
  const auto std = torch::tensor(data::kImageNetStd).view({1, 3, 1, 1});
  return (X - mean) / std;
}

// An image prepared as the run's data set prepares its own (export_info.h's prepare_image).
torch::Tensor dataset_input(const std::filesystem::path& file, const std::vector<int64_t>& stored,
                            const data::Transform& transform) {
  if (stored.size() != 3) throw std::invalid_argument(file.string() + ": this model does not take images");
  return prepare_image(data::read_image(file, stored[0]).unsqueeze(0), stored, transform);
}

void print_top_k(const std::string& image, const torch::Tensor& logits, const std::vector<std::string>& names,
                 int64_t k) {
  const auto probabilities = torch::softmax(logits.to(torch::kFloat64), 0);
  const auto [values, indices] = probabilities.topk(std::min<int64_t>(k, probabilities.size(0)));
  std::printf("%s\n", image.c_str());
  for (int64_t i = 0; i < values.size(0); ++i) {
    const auto c = indices[i].item<int64_t>();
    const auto name = c < static_cast<int64_t>(names.size()) ? names[c] : "class " + std::to_string(c);
    std::printf("  %5.1f%%  %s\n", 100.0 * values[i].item<double>(), name.c_str());
  }
}

// An MAE run: original | masked | reconstruction for each image, one row each, as a PNG grid.
void write_reconstructions(Experiment& e, const PredictArgs& args) {
  const auto info = export_info(e, {});
  torch::Tensor X;
  if (args.images.empty()) {
    const int64_t n = std::min<int64_t>(args.num, e.data.val.size());
    X = e.data.transform(e.data.val.inputs.narrow(0, 0, n));
  } else {
    std::vector<torch::Tensor> inputs;
    for (const auto& image : args.images) inputs.push_back(dataset_input(image, info.stored_shape, info.transform));
    X = torch::cat(inputs);
  }
  auto mae = e.model.get<models::MAE>();
  mae->eval();
  torch::NoGradGuard no_grad;
  const auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(args.seed));
  const auto output = mae->forward(X, at::rand({X.size(0), mae->num_patches()}, generator));
  auto [masked, reconstruction] = mae->visualise(X, output);
  auto grid = torch::stack({X, masked, reconstruction}, 1).flatten(0, 1);
  if (!e.data.transform.mean.empty()) {  // back from the data set's normalisation to pixels
    const auto mean = torch::tensor(e.data.transform.mean).view({1, -1, 1, 1});
    const auto std = torch::tensor(e.data.transform.std).view({1, -1, 1, 1});
    grid = grid * std + mean;
  }
  if (!train::save_image_grid(args.out, grid, 3, std::max<int64_t>(1, 96 / X.size(2))))
    throw std::runtime_error("this build cannot write images (OpenCV was not found when it was configured)");
  std::printf("%s: %lld images (original | masked %.0f%% | reconstruction), loss on the masked patches %.4f\n",
              args.out.c_str(), static_cast<long long>(X.size(0)), 100.0 * mae->options.mask_ratio(),
              output.loss.item<double>());
}

// A segmentation run: for each image, [image | colourised predicted mask] as DIR/<name>.png. Images
// are centre-cropped to multiples of 32 (the FCN's stride) and normalised as the run's data.
void write_segmentations(Experiment& e, const PredictArgs& args) {
  std::vector<std::pair<std::string, torch::Tensor>> inputs;  // name, uint8 [3, H, W]
  if (args.images.empty()) {
    const int64_t n = std::min<int64_t>(args.num, e.data.val.size());
    for (int64_t i = 0; i < n; ++i) inputs.emplace_back("val-" + std::to_string(i + 1), e.data.val.inputs[i]);
  } else {
    for (const auto& image : args.images)
      inputs.emplace_back(std::filesystem::path(image).stem().string(), data::read_image(image, 3));
  }
  std::filesystem::create_directories(args.out);
  e.model.ptr()->eval();
  torch::NoGradGuard no_grad;
  for (const auto& [name, image] : inputs) {
    const int64_t h = image.size(1) / 32 * 32, w = image.size(2) / 32 * 32;
    if (h == 0 || w == 0) throw std::invalid_argument(name + ": smaller than 32 x 32 pixels");
    const int64_t top = (image.size(1) - h) / 2, left = (image.size(2) - w) / 2;
    const auto crop = image.slice(1, top, top + h).slice(2, left, left + w).unsqueeze(0);
    const auto labels = e.model.forward(e.data.transform(crop)).argmax(1)[0];
    const auto tiles = torch::cat({crop, data::voc_colorize(labels).unsqueeze(0)}).to(torch::kFloat32) / 255.0;
    const auto file = std::filesystem::path(args.out) / (name + ".png");
    if (!train::save_image_grid(file, tiles, 2))
      throw std::runtime_error("this build cannot write images (OpenCV was not found when it was configured)");
    std::string classes;
    const auto present = std::get<0>(torch::_unique(labels));
    for (int64_t i = 0; i < present.numel(); ++i) {
      const auto c = present[i].item<int64_t>();
      if (c < static_cast<int64_t>(e.data.class_names.size())) classes += (classes.empty() ? "" : ", ") + e.data.class_names[c];
    }
    std::printf("%s: image | predicted mask (%s)\n", file.string().c_str(), classes.c_str());
  }
}

// --out: pictures from an MAE run (reconstructions), a segmentation run (masks) or a style
// transfer run (its image).
void write_pictures(const PredictArgs& args) {
  auto e = load_trained(args.checkpoint, [&](RunConfig& config) {
    if (!args.data_dir.empty()) config.data_dir = args.data_dir;
    config.device = "cpu";
    config.threads = args.threads;
    config.weights.clear();  // a style transfer's VGG-19: the image is all there is to show
  });
  if (e.spec->task == TaskKind::mae_pretrain) return write_reconstructions(e, args);
  if (e.spec->task == TaskKind::segmentation) return write_segmentations(e, args);
  if (e.spec->task == TaskKind::style_transfer) {
    if (!args.images.empty()) throw std::invalid_argument("a neural-style run holds one image: give no IMAGE");
    save_synthesized_image(e.model, args.out);
    std::printf("%s: the synthesised image of %s\n", args.out.c_str(), args.checkpoint.c_str());
    return;
  }
  throw std::invalid_argument(args.checkpoint + " is a run of '" + e.config.model +
                              "': --out writes an MAE's reconstructions, a segmentation model's masks or a style "
                              "transfer's image");
}

void predict_command(PredictArgs args) {
  if (args.prefix) {
    if (!args.images.empty()) throw std::invalid_argument("--prefix generates text: give no IMAGE");
    generate_text({args.checkpoint, *args.prefix, args.num_preds, args.data_dir, args.threads});
    return;
  }
  if (!args.out.empty()) {
    write_pictures(args);
    return;
  }
  if (!data::can_read_images())
    throw std::runtime_error("this build cannot read images (OpenCV was not found when it was configured)");
  at::set_num_threads(static_cast<int>(args.threads > 0 ? args.threads : std::max(1u, std::thread::hardware_concurrency())));
  std::function<torch::Tensor(const torch::Tensor&)> forward;  // in eval mode, without gradients
  std::vector<std::string> names;
  std::vector<torch::Tensor> inputs;
  if (!args.model.empty()) {
    // No run: the image files are all positionals, and the network sees ImageNet-style input.
    if (!args.checkpoint.empty()) args.images.insert(args.images.begin(), args.checkpoint);
    if (args.weights.empty()) throw std::invalid_argument("--model needs --weights FILE (a PyTorch state dict)");
    const auto& spec = find_model(args.model);
    if (spec.defaults.channels != 3)
      throw std::invalid_argument("--model " + args.model +
                                  ": ImageNet-style prediction needs a torchvision-compatible network (tv-*); for a "
                                  "trained run, pass its checkpoint instead");
    auto model = spec.make({{3, 224, 224}, args.num_classes, {}});
    train::weights::load_weights(*model.ptr(), args.weights);
    model.ptr()->eval();
    forward = [model](const torch::Tensor& X) mutable { return model.forward(X); };
    if (args.num_classes == 1000) names = data::imagenet_classes();
    for (const auto& image : args.images) inputs.push_back(imagenet_input(image));
  } else if (!args.checkpoint.empty() && train::has_extra_file(args.checkpoint, kMetadataFile)) {
    // A file from d2l export: TorchScript, fed as its metadata says.
    std::map<std::string, std::string> extra{{kMetadataFile, ""}};
    auto module = std::make_shared<torch::jit::Module>(train::load_torchscript(args.checkpoint, extra));
    module->eval();
    forward = [module](const torch::Tensor& X) { return module->forward({X}).toTensor(); };
    const auto info = parse_export_info(extra[kMetadataFile], args.checkpoint);
    names = info.class_names;
    for (const auto& image : args.images) inputs.push_back(dataset_input(image, info.stored_shape, info.transform));
  } else {
    if (args.checkpoint.empty() || args.images.empty())
      throw std::invalid_argument("usage: d2l predict CHECKPOINT IMAGE... or d2l predict --model NAME --weights FILE IMAGE...");
    auto e = load_trained(args.checkpoint, [&](RunConfig& config) {
      if (!args.data_dir.empty()) config.data_dir = args.data_dir;
      config.device = "cpu";
      config.threads = args.threads;
      config.limit_train = config.limit_test = 1;
    });
    if (e.spec->task == TaskKind::mae_pretrain)
      throw std::invalid_argument(args.checkpoint + " is an MAE: pass --out FILE.png for its reconstructions");
    if (e.spec->task == TaskKind::segmentation)
      throw std::invalid_argument(args.checkpoint + " segments images: pass --out DIR for its masks");
    if (e.spec->task == TaskKind::style_transfer)
      throw std::invalid_argument(args.checkpoint + " is a style transfer: pass --out FILE.png for its image");
    if (e.spec->task == TaskKind::gan)
      throw std::invalid_argument(args.checkpoint + " is a GAN: d2l generate " + args.checkpoint + " --out grid.png");
    if (e.spec->task == TaskKind::cyclegan)
      throw std::invalid_argument(args.checkpoint + " is a CycleGAN: d2l translate-image " + args.checkpoint +
                                  " --direction AtoB IMAGE... --out DIR");
    auto model = e.model;
    model.ptr()->eval();
    forward = [model](const torch::Tensor& X) mutable { return model.forward(X); };
    names = e.data.class_names;
    const auto info = export_info(e, {});
    for (const auto& image : args.images) inputs.push_back(dataset_input(image, info.stored_shape, info.transform));
  }
  if (inputs.empty()) throw std::invalid_argument("no IMAGE given");
  torch::NoGradGuard no_grad;
  const auto logits = forward(torch::cat(inputs));
  for (size_t i = 0; i < args.images.size(); ++i)
    print_top_k(args.images[i], logits[static_cast<int64_t>(i)], names, args.top_k);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict", "top-k classes of image files (from a run or PyTorch weights), or text after --prefix");
  cmd->add_option("checkpoint", args->checkpoint,
                  "checkpoint file, run directory or TorchScript file from d2l export (omit with --model)");
  cmd->add_option("images", args->images, "image files (JPEG, PNG, PGM, ...)");
  cmd->add_option("--model", args->model, "a registered model to load --weights into, e.g. tv-resnet18");
  cmd->add_option("--weights", args->weights, "PyTorch state dict (.pth), e.g. torchvision's pretrained weights")
      ->check(CLI::ExistingFile);
  cmd->add_option("--num-classes", args->num_classes, "outputs of --model's head (1000: ImageNet class names)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prefix", args->prefix, "language models: generate text after this prefix (predict_ch8)");
  cmd->add_option("--num-preds", args->num_preds, "tokens generated after --prefix")->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args->out,
                  "MAE runs: write original | masked | reconstruction rows to this PNG; neural-style runs: the "
                  "image (.png, .jpg); segmentation runs: write "
                  "image | mask pictures into this folder");
  cmd->add_option("--num", args->num, "MAE and segmentation runs without IMAGE: this many validation images")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->seed, "MAE runs: seed of the random patch masks");
  cmd->add_option("--top-k", args->top_k, "classes shown per image")->check(CLI::PositiveNumber);
  cmd->add_option("--data-dir", args->data_dir, "folder searched first for the run's data files");
  cmd->add_option("--threads", args->threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
  cmd->callback([args] { predict_command(*args); });
}

}  // namespace d2l::apps
