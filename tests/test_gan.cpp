// Generative adversarial networks (d2l 20.1-20.2): the networks' shapes and sizes against the
// book's PyTorch code, its initialisation, the 2-D GAN learning the data's distribution, a DCGAN
// smoke run writing its samples, resuming a run with two optimizers, and the CLI.
#include <gtest/gtest.h>

#include <fstream>

#include "apps/experiment.h"
#include "data/gan_gaussian.h"
#include "models/gan.h"
#include "tests/helpers.h"
#include "train/atomic_file.h"
#include "train/tasks/gan.h"

using namespace d2l;
using test::throws_with;

namespace {

int64_t count(torch::nn::Module& m) { return apps::count_parameters(m); }

// Distance of the generator's samples from the data in mean and covariance.
std::pair<double, double> distance_to_data(models::GANImpl& gan) {
  torch::NoGradGuard no_grad;
  gan.eval();
  const auto X = gan.generate(torch::randn({4000, 2}));
  const auto centred = X - X.mean(0);
  const auto covariance = centred.t().matmul(centred) / (X.size(0) - 1);
  const auto A = data::gan_gaussian_A();
  const auto mean_gap = (X.mean(0) - data::gan_gaussian_b()).norm().item<double>();
  const auto covariance_gap = (covariance - A.t().matmul(A)).norm().item<double>();
  return {mean_gap, covariance_gap};
}

}  // namespace

TEST(Gan, NetworksHaveTheBooksShapesAndSizes) {
  // Counted once with /usr/bin/python3 from the book's code (20.1: net_G, net_D; 20.2 with n_G =
  // n_D = 64 and 3 channels): 6 and 37; 3,576,704 and 2,765,696.
  auto simple = models::simple_gan();
  EXPECT_EQ(count(*simple->net_G), 6);
  EXPECT_EQ(count(*simple->net_D), 37);
  EXPECT_EQ(simple->generate(torch::randn({5, 2})).sizes(), (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(simple->discriminate(torch::randn({5, 2})).sizes(), (std::vector<int64_t>{5, 1}));
  auto dc = models::dcgan();
  EXPECT_EQ(count(*dc->net_G), 3576704);
  EXPECT_EQ(count(*dc->net_D), 2765696);
  const auto images = dc->generate(dc->noise(2));
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{2, 3, 64, 64}));
  EXPECT_LE(images.abs().max().item<double>(), 1.0);  // tanh
  EXPECT_EQ(dc->discriminate(images).sizes(), (std::vector<int64_t>{2, 1, 1, 1}));
  EXPECT_EQ(models::dcgan(models::DCGANOptions().channels(1))->generate(torch::randn({1, 100, 1, 1})).size(1), 1);
  // The book's init: every parameter, BN scales included, N(0, 0.02^2).
  const auto params = dc->named_parameters();
  EXPECT_NEAR(params["net_G.1.weight"].std().item<double>(), 0.02, 0.005);
  EXPECT_NEAR(params["net_D.0.weight"].std().item<double>(), 0.02, 0.002);
  EXPECT_NEAR(params["net_D.0.weight"].mean().item<double>(), 0.0, 0.002);
}

TEST(Gan, SimpleGanMovesTowardTheDatasDistribution) {
  auto c = test::quick_run("gan", "gan-gaussian");
  c.epochs = 8;
  auto e = apps::build_experiment(c);
  auto gan = e.model.get<models::GAN>();
  const auto before = distance_to_data(*gan);
  train::Trainer trainer(apps::trainer_options(e, {}));
  const auto result = trainer.fit(*e.task, e.data);
  const auto after = distance_to_data(*gan);
  EXPECT_LT(after.first, 0.6 * before.first) << before.first << " -> " << after.first;
  EXPECT_LT(after.second, 0.8 * before.second) << before.second << " -> " << after.second;
  const auto& last = result.history.rows.back();
  for (const auto* name : {"train_loss_D", "train_loss_G", "train_D_x", "train_D_G_z"}) ASSERT_TRUE(last.count(name)) << name;
  // The book's lr_D 0.05 and lr_G 0.005.
  EXPECT_EQ(*e.config.generator_lr, 0.005);
  EXPECT_NEAR(last.at("train_loss_D"), std::log(2.0), 0.1);  // near the equilibrium, as the book prints
}

TEST(Gan, ResumingRestoresBothOptimizers) {
  test::TempDir dir;
  auto c = test::quick_run("gan", "gan-gaussian");
  c.limit_train = 200;
  c.epochs = 2;
  c.out = (dir / "straight").string();
  const auto straight = apps::run_training(c);
  c.epochs = 1;
  c.out = (dir / "resumed").string();
  apps::run_training(c);
  c.epochs = 2;
  const auto resumed = apps::run_training(c, dir / "resumed");
  ASSERT_EQ(resumed.result.history.rows.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir / "straight/samples.png"));  // real and generated points
  const auto& a = straight.result.history.rows.back();
  const auto& b = resumed.result.history.rows.back();
  for (const auto* name : {"train_loss_D", "train_loss_G"}) EXPECT_DOUBLE_EQ(a.at(name), b.at(name)) << name;
}

TEST(Gan, DcganSmokeRunKeepsFiniteLossesAndWritesSamples) {
  test::TempDir dir;
  test::write_fake_mnist(dir / "data", 128, 32);
  auto c = test::quick_run("dcgan", "fashion-mnist");
  c.data_dir = (dir / "data").string();
  c.epochs = 1;
  c.batch_size = 64;
  c.out = (dir / "run").string();
  const auto run = apps::run_training(c);
  const auto& last = run.result.history.rows.back();
  EXPECT_TRUE(std::isfinite(last.at("train_loss_D")));
  EXPECT_TRUE(std::isfinite(last.at("train_loss_G")));
  EXPECT_TRUE(std::filesystem::exists(dir / "run/samples.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "run/samples/epoch-1.png"));
  EXPECT_FALSE(std::filesystem::exists(dir / "run/checkpoints/best.pt"));  // no metric picks a best GAN

  // d2l generate draws from the checkpoint; other commands point to it.
  auto g = test::run_d2l("generate " + (dir / "run").string() + " --num 9 --out " + (dir / "grid.png").string() +
                         " --data-dir " + (dir / "data").string());
  ASSERT_EQ(g.exit_code, 0) << g.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "grid.png"));
  auto p = test::run_d2l("predict " + (dir / "run").string() + " " + (dir / "grid.png").string() + " --data-dir " +
                         (dir / "data").string());
  EXPECT_NE(p.exit_code, 0);
  EXPECT_NE(p.output.find("is a GAN: d2l generate"), std::string::npos) << p.output;
  auto x = test::run_d2l("export " + (dir / "run").string() + " --data-dir " + (dir / "data").string());
  EXPECT_NE(x.exit_code, 0);
  EXPECT_NE(x.output.find("is a generator and a discriminator"), std::string::npos) << x.output;
}

TEST(Gan, SamplingLeavesTheModelUnchanged) {
  auto dc = models::dcgan(models::DCGANOptions().n_G(8).n_D(8).channels(1));
  const auto before = dc->named_buffers()["net_G.1.running_mean"].clone();
  const auto images = train::sample_images(*dc, dc->noise(4));
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{4, 1, 64, 64}));
  EXPECT_GE(images.min().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(dc->named_buffers()["net_G.1.running_mean"], before));
}

TEST(Gan, WrongInputsAreClearErrors) {
  std::string message;
  auto c = test::quick_run("dcgan", "fashion-mnist");
  c.resize = 32;
  EXPECT_TRUE(throws_with([&] { apps::resolve(c), apps::build_experiment(c); }, "dcgan makes 64 x 64 images", &message))
      << message;
  auto lenet = test::quick_run("lenet", "fashion-mnist");
  lenet.generator_lr = 0.1;
  EXPECT_TRUE(throws_with([&] { apps::resolve(lenet); }, "--generator-lr is for GANs", &message)) << message;
  test::TempDir dir;
  test::write_fake_mnist(dir / "data", 64, 32);
  auto r = test::run_d2l("train lenet --data-dir " + (dir / "data").string() + " --epochs 1 --quiet --out " +
                         (dir / "lenet").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = test::run_d2l("generate " + (dir / "lenet").string() + " --out x.png --data-dir " + (dir / "data").string());
  EXPECT_NE(g.exit_code, 0);
  EXPECT_NE(g.output.find("not of a GAN"), std::string::npos) << g.output;
}
