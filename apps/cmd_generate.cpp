// What trained generative models make:
//   d2l generate RUN --num 64 --out grid.png   samples of a GAN's generator (d2l 20.2's pictures);
//       for the 2-D GAN of 20.1, the mean and covariance of its samples beside the data's
//   d2l translate-image RUN --direction AtoB IMAGE... --out DIR   a CycleGAN's translations
#include "data/image.h"
#include "data/style_images.h"
#include "models/cyclegan.h"
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdio>
#include <thread>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "models/gan.h"
#include "train/plot.h"
#include "train/tasks/gan.h"

namespace d2l::apps {
namespace {

struct GenerateArgs {
  std::string run, out, data_dir;
  int64_t num = 64, seed = 0, threads = 0;
};

std::string format_row(const torch::Tensor& row) {
  std::string s = "[";
  for (int64_t i = 0; i < row.numel(); ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%.3f", i ? ", " : "", row[i].item<double>());
    s += buffer;
  }
  return s + "]";
}

void print_moments(const char* what, const torch::Tensor& X) {
  const auto centred = X - X.mean(0);
  const auto covariance = centred.t().matmul(centred) / (X.size(0) - 1);
  std::printf("%s: mean %s, covariance [%s, %s]\n", what, format_row(X.mean(0)).c_str(),
              format_row(covariance[0]).c_str(), format_row(covariance[1]).c_str());
}

void generate_command(const GenerateArgs& args) {
  at::set_num_threads(static_cast<int>(args.threads > 0 ? args.threads : std::max(1u, std::thread::hardware_concurrency())));
  auto e = load_trained(args.run, [&](RunConfig& config) {
    if (!args.data_dir.empty()) config.data_dir = args.data_dir;
    config.device = "cpu";
    config.limit_test = 1;
  });
  if (e.spec->task != TaskKind::gan)
    throw std::invalid_argument(args.run + " is a run of '" + e.config.model + "', not of a GAN (gan, dcgan)");
  auto gan = e.model.get<models::GAN>();
  auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(args.seed));
  std::vector<int64_t> shape{args.num};
  shape.insert(shape.end(), gan->latent_shape.begin(), gan->latent_shape.end());
  const auto Z = torch::randn(shape, generator);
  if (gan->latent_shape.size() != 3) {  // points, not images
    if (!args.out.empty()) throw std::invalid_argument("--out: '" + e.config.model + "' generates points, not images");
    torch::NoGradGuard no_grad;
    gan->eval();
    print_moments("generated", gan->generate(Z));
    print_moments("data     ", e.data.train.inputs);
    return;
  }
  if (args.out.empty()) throw std::invalid_argument("--out FILE.png: where to write the " + std::to_string(args.num) + " images");
  if (!train::is_image_file_name(args.out)) throw std::invalid_argument("--out " + args.out + ": expected a .png file name");
  const auto images = train::sample_images(*gan, Z);
  const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(args.num))));
  if (!train::save_image_grid(args.out, images, columns))
    throw std::runtime_error("this build cannot write images (OpenCV was not found when it was configured)");
  std::printf("wrote %lld generated images to %s\n", static_cast<long long>(args.num), args.out.c_str());
}

struct TranslateArgs {
  std::string run, direction = "AtoB", out;
  std::vector<std::string> images;
  int64_t threads = 0;
};

void translate_image_command(const TranslateArgs& args) {
  at::set_num_threads(static_cast<int>(args.threads > 0 ? args.threads : std::max(1u, std::thread::hardware_concurrency())));
  if (args.direction != "AtoB" && args.direction != "BtoA")
    throw std::invalid_argument("--direction " + args.direction + ": expected AtoB or BtoA");
  auto e = load_trained(args.run, [](RunConfig& config) {
    config.device = "cpu";
    config.limit_train = config.limit_test = 1;  // the run's data only tells the image size
  });
  if (e.spec->task != TaskKind::cyclegan)
    throw std::invalid_argument(args.run + " is a run of '" + e.config.model + "', not of a CycleGAN");
  auto gan = e.model.get<models::CycleGAN>();
  auto& generator = args.direction == "AtoB" ? *gan->netG_A : *gan->netG_B;
  const int64_t side = example_shape(e.data)[1];
  std::filesystem::create_directories(args.out);
  torch::NoGradGuard no_grad;
  for (const auto& file : args.images) {
    const auto X = data::resize_image(data::read_image(file, 3), side, side).clamp(0, 255).unsqueeze(0) / 255.0;
    const auto Y = (generator.forward(X * 2 - 1) + 1) / 2;
    const auto out = std::filesystem::path(args.out) / (std::filesystem::path(file).stem().string() + ".png");
    const int64_t scale = std::max<int64_t>(1, 128 / side);
    if (!train::save_image_grid(out, torch::cat({X, Y.clamp(0, 1)}), 2, scale))
      throw std::runtime_error("this build cannot write images (OpenCV was not found when it was configured)");
    std::printf("%s: %s | %s\n", out.string().c_str(), file.c_str(), args.direction.c_str());
  }
}

}  // namespace

void add_translate_image_command(CLI::App& app) {
  auto args = std::make_shared<TranslateArgs>();
  auto* cmd = app.add_subcommand("translate-image", "a CycleGAN's translation of image files (input | output PNGs)");
  cmd->add_option("run", args->run, "run directory or checkpoint of cyclegan")->required()->check(CLI::ExistingPath);
  cmd->add_option("images", args->images, "image files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--direction", args->direction, "AtoB (netG_A) or BtoA (netG_B)");
  cmd->add_option("--out", args->out, "folder for the pictures")->required();
  cmd->add_option("--threads", args->threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
  cmd->callback([args] { translate_image_command(*args); });
}

void add_generate_command(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "samples of a trained GAN (a grid of images, or the 2-D GAN's moments)");
  cmd->add_option("run", args->run, "run directory or checkpoint of gan or dcgan")->required()->check(CLI::ExistingPath);
  cmd->add_option("--num", args->num, "how many samples")->check(CLI::PositiveNumber);
  cmd->add_option("--out", args->out, "image GANs: the PNG grid to write");
  cmd->add_option("--seed", args->seed, "seed of the noise");
  cmd->add_option("--data-dir", args->data_dir, "folder searched first for the run's data files");
  cmd->add_option("--threads", args->threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
  cmd->callback([args] { generate_command(*args); });
}

}  // namespace d2l::apps
