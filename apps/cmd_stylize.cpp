// d2l stylize --content IMG --style IMG [--weights VGG19.pth] --out OUT.png: neural style
// transfer (d2l 14.12) with the book's settings, trained as model neural-style on the generic
// trainer (a run directory like any other), then the synthesised image written to --out.
#include <cstdio>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "data/image.h"
#include "data/style_images.h"
#include "models/neural_style.h"
#include "train/plot.h"

namespace d2l::apps {
namespace {

struct StylizeArgs {
  std::string content, style, weights, out, run, config, device = "auto", image_shape;
  std::optional<int64_t> epochs;
  std::optional<double> lr, content_weight, style_weight, tv_weight;
  int64_t threads = 0, seed = 42;
  bool quiet = false;
};

// Before minutes of optimisation: the picture must have somewhere to go.
void check_image_output(const std::string& flag, const std::filesystem::path& out) {
  if (!train::is_image_file_name(out))
    throw std::invalid_argument(flag + " " + out.string() + ": expected a .png, .jpg or .jpeg file name");
  const auto folder = out.parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec))
    throw std::invalid_argument(flag + " " + out.string() + ": folder " + folder.string() + " does not exist");
  if (!data::can_read_images())
    throw std::runtime_error("this build cannot read or write images (OpenCV was not found when it was configured)");
}

void stylize_command(const StylizeArgs& a) {
  check_image_output("--out", a.out);
  RunConfig c = a.config.empty() ? RunConfig() : load_config(a.config);
  c.model = "neural-style";
  const auto set = [](auto& field, const auto& value) {
    if (!value.empty()) field = value;
  };
  set(c.content, a.content);
  set(c.style, a.style);
  set(c.weights, a.weights);
  set(c.out, a.run);
  if (!a.image_shape.empty()) c.image_shape = a.image_shape;
  if (a.epochs) c.epochs = a.epochs;
  if (a.lr) c.lr = a.lr;
  if (a.content_weight) c.content_weight = a.content_weight;
  if (a.style_weight) c.style_weight = a.style_weight;
  if (a.tv_weight) c.tv_weight = a.tv_weight;
  c.device = a.device;
  c.threads = a.threads;
  c.seed = a.seed;
  c.quiet = a.quiet;
  if (c.content.empty() || c.style.empty()) throw std::invalid_argument("stylize needs --content IMG and --style IMG");
  const auto run = run_training(c);
  save_synthesized_image(run.model, a.out);
  const auto& last = run.result.history.rows.back();
  std::printf("%s\n%.2f steps/sec on %s\n", train::format_metrics(last).c_str(), run.result.examples_per_sec,
              parse_device(c.device).str().c_str());
  std::printf("wrote %s (run: %s)\n", a.out.c_str(), run.run_dir.string().c_str());
}

}  // namespace

void save_synthesized_image(const torch::nn::AnyModule& model, const std::filesystem::path& file) {
  const auto image = model.get<models::SynthesizedImage>()->weight;
  if (!train::save_image(file, data::imagenet_postprocess(image).cpu()))
    throw std::runtime_error("this build cannot write images (OpenCV was not found when it was configured)");
}

void add_stylize_command(CLI::App& app) {
  auto args = std::make_shared<StylizeArgs>();
  auto* cmd = app.add_subcommand(
      "stylize", "neural style transfer (d2l 14.12): the content image painted in the style image's manner");
  cmd->add_option("--content", args->content, "the photo to repaint (JPEG, PNG, ...)")->required();
  cmd->add_option("--style", args->style, "the painting whose style to take")->required();
  cmd->add_option("--out", args->out, "where to write the result (.png, .jpg)")->required();
  cmd->add_option("--weights", args->weights,
                  "torchvision's ImageNet-trained VGG-19 (vgg19-dcbb9e9d.pth); without it the result is poor")
      ->check(CLI::ExistingFile);
  cmd->add_option("--image-shape", args->image_shape, "HEIGHTxWIDTH of the result (book: 300x450)");
  cmd->add_option("--epochs", args->epochs, "optimisation steps over the whole image (book: 500)");
  cmd->add_option("--lr", args->lr, "Adam's learning rate (book: 0.3, times 0.8 every 50 steps)");
  cmd->add_option("--content-weight", args->content_weight, "weight of the content loss (book: 1)");
  cmd->add_option("--style-weight", args->style_weight, "weight of the style loss (book: 1e4)");
  cmd->add_option("--tv-weight", args->tv_weight, "weight of the total-variation loss (book: 10)");
  cmd->add_option("--config", args->config, "TOML file with the run's settings (e.g. configs/neural-style-opencv.toml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--run", args->run, "run directory (default: runs/neural-style[-N])");
  cmd->add_option("--device", args->device, "auto | cpu | cuda | cuda:N");
  cmd->add_option("--threads", args->threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->seed, "random seed (VGG-19's weights when none are given)");
  cmd->add_flag("--quiet", args->quiet, "no progress or epoch lines");
  cmd->callback([args] { stylize_command(*args); });
}

}  // namespace d2l::apps
