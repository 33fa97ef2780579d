// Neural style transfer (d2l 14.12): the Gram matrix and the three losses, the VGG-19 features
// and the whole loss and its gradient against the book's Python code with the same weights, the
// two images' data set and its errors, and runs that lower the loss from the CLI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "apps/experiment.h"
#include "data/image.h"
#include "data/style_images.h"
#include "models/neural_style.h"
#include "tests/helpers.h"
#include "train/plot.h"
#include "train/tasks/style_transfer.h"
#include "train/trainer.h"
#include "train/weights/state_dict.h"

using namespace d2l;
using test::throws_with;

namespace {

bool have_torchvision() { return std::system("/usr/bin/python3 -c 'import torchvision' >/dev/null 2>&1") == 0; }

// A content photo and a style picture as image files: a gradient with a disc and grain (a photo
// is not smooth), and stripes.
void write_style_pair(const test::TempDir& dir, int64_t height = 40, int64_t width = 60) {
  const auto rows = torch::linspace(0, 1, height).view({1, -1, 1}), cols = torch::linspace(0, 1, width).view({1, 1, -1});
  const auto disc = ((rows - 0.5).square() + (cols - 0.4).square() < 0.06).to(torch::kFloat32);
  torch::manual_seed(0);
  const auto grain = 0.1 * torch::rand({3, height, width});
  const auto content = torch::cat({rows.expand({1, height, width}), cols.expand({1, height, width}), disc}) * 0.8 + grain;
  const auto stripes = (torch::sin((rows + cols) * 25) > 0).to(torch::kFloat32).expand({1, height, width});
  const auto style = torch::cat({stripes, 1 - stripes, stripes * 0.5});
  train::save_image(dir / "content.png", content);
  train::save_image(dir / "style.png", style);
}

apps::RunConfig style_run(const test::TempDir& dir, int64_t epochs) {
  auto c = test::quick_run("neural-style", "style-images");
  c.content = (dir / "content.png").string();
  c.style = (dir / "style.png").string();
  c.image_shape = "32x48";
  c.epochs = epochs;
  return c;
}

}  // namespace

TEST(StyleTransfer, GramMatrixIsTheNormalisedInnerProductOfChannels) {
  // Two channels of 2 x 2: rows [1, 2, 3, 4] and [0, 1, 0, 1]; divided by C * HW = 8.
  const auto X = torch::tensor({1.f, 2.f, 3.f, 4.f, 0.f, 1.f, 0.f, 1.f}).view({1, 2, 2, 2});
  const auto expected = torch::tensor({30.f, 6.f, 6.f, 2.f}).view({2, 2}) / 8;
  EXPECT_TRUE(torch::allclose(train::gram(X), expected));
  // Total variation of a vertical edge: only horizontal neighbours differ, by 1 in one of 3 columns.
  const auto edge = torch::cat({torch::zeros({1, 1, 4, 2}), torch::ones({1, 1, 4, 2})}, 3);
  EXPECT_NEAR(train::tv_loss(edge).item<double>(), 0.5 * (0.0 + 1.0 / 3.0), 1e-6);
}

TEST(StyleTransfer, LossesFeaturesAndGradientMatchTheBooksPythonCode) {
  if (!have_torchvision()) GTEST_SKIP() << "python3-torchvision is not installed (the README's test command installs it)";
  test::TempDir dir;
  torch::manual_seed(3);
  const auto A = torch::randn({1, 8, 5, 7}), B = torch::randn({1, 8, 5, 7});
  const auto content = torch::randn({1, 3, 40, 56}), style = torch::randn({1, 3, 40, 56});
  const auto image = content + 0.3 * torch::randn({1, 3, 40, 56});
  train::weights::write_state_dict(dir / "input.pt",
                                   {{"A", A}, {"B", B}, {"content", content}, {"style", style}, {"image", image}});
  const auto command = "/usr/bin/python3 " + (test::source_dir() / "tests/python/neural_style.py").string() + " check " +
                       dir.path().string();
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::map<std::string, torch::Tensor> expected;
  for (const auto& [name, tensor] : train::weights::read_state_dict(dir / "expected.pt")) expected[name] = tensor;
  const auto near = [](const torch::Tensor& ours, const torch::Tensor& theirs) {
    return torch::allclose(ours, theirs, 1e-4, 1e-6);
  };
  EXPECT_TRUE(near(train::gram(A), expected.at("gram")));
  EXPECT_TRUE(near(train::content_loss(A, B), expected.at("content_loss")));
  EXPECT_TRUE(near(train::style_loss(A, train::gram(B)), expected.at("style_loss")));
  EXPECT_TRUE(near(train::tv_loss(A), expected.at("tv_loss")));

  // The same VGG-19 weights: features, weighted losses and the gradient on the image.
  models::StyleFeatures net;
  const auto report = train::weights::load_weights(*net, dir / "vgg19_features.pt");
  EXPECT_EQ(report.loaded.size(), 26u);  // 13 convolutions up to conv5_1
  models::SynthesizedImage synthesized(std::vector<int64_t>{1, 3, 40, 56});
  {
    torch::NoGradGuard no_grad;
    synthesized->weight.copy_(image);
  }
  train::StyleTransferTask task(synthesized, net, content, style);
  const auto l = task.loss();
  l.total.backward();
  EXPECT_NEAR(l.content.item<double>(), expected.at("loss_content").item<double>(), 1e-4 * expected.at("loss_content").item<double>());
  EXPECT_NEAR(l.style.item<double>(), expected.at("loss_style").item<double>(), 1e-4 * expected.at("loss_style").item<double>());
  EXPECT_NEAR(l.tv.item<double>(), expected.at("loss_tv").item<double>(), 1e-5);
  EXPECT_NEAR(l.total.item<double>(), expected.at("loss_total").item<double>(), 1e-4 * expected.at("loss_total").item<double>());
  const auto& grad = expected.at("grad");
  EXPECT_LT((synthesized->weight.grad() - grad).abs().max().item<double>(), 1e-3 * grad.abs().max().item<double>());
}

TEST(StyleTransfer, TheRegisteredModelIsTheBooksImage) {
  const auto& spec = apps::find_model("neural-style");
  auto model = spec.make(apps::default_args(spec).value());
  const auto params = model.ptr()->named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params["weight"].sizes(), (std::vector<int64_t>{1, 3, 300, 450}));  // the book's image_shape
}

TEST(StyleTransfer, FeaturesAreVgg19sUpToConv5_1UnderTorchvisionsNames) {
  models::StyleFeatures net;
  EXPECT_EQ(net->features->size(), 29u);
  const auto params = net->named_parameters();
  EXPECT_EQ(params.size(), 26u);
  EXPECT_EQ(params["features.0.weight"].sizes(), (std::vector<int64_t>{64, 3, 3, 3}));
  EXPECT_EQ(params["features.28.weight"].sizes(), (std::vector<int64_t>{512, 512, 3, 3}));
  const auto maps = net->forward(torch::randn({1, 3, 32, 48}));
  ASSERT_EQ(maps.styles.size(), 5u);
  ASSERT_EQ(maps.contents.size(), 1u);
  EXPECT_EQ(maps.styles[0].sizes(), (std::vector<int64_t>{1, 64, 32, 48}));
  EXPECT_EQ(maps.styles[4].sizes(), (std::vector<int64_t>{1, 512, 2, 3}));
  EXPECT_EQ(maps.contents[0].sizes(), (std::vector<int64_t>{1, 512, 4, 6}));
  // conv4_4 is read after its ReLU, as the book's code (torchvision's in-place ReLU) does.
  EXPECT_GE(maps.contents[0].min().item<double>(), 0.0);
  EXPECT_LT(maps.styles[4].min().item<double>(), 0.0);  // conv5_1: nothing follows it
  std::string message;
  EXPECT_TRUE(throws_with([] { models::StyleFeatures(models::StyleFeaturesOptions().style_layers({40})); },
                          "numbered 0 to 36", &message)) << message;
}

TEST(StyleTransfer, ImagesAreResizedNormalisedAndCheckedAgainstTheShape) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  write_style_pair(dir);
  const auto dm = data::style_images(data::StyleImagesOptions(dir / "content.png", dir / "style.png").height(20).width(30));
  EXPECT_EQ(dm.train.inputs.sizes(), (std::vector<int64_t>{1, 3, 20, 30}));
  EXPECT_EQ(dm.train.targets.sizes(), (std::vector<int64_t>{1, 3, 20, 30}));
  // postprocess undoes the normalisation: the content's mean red is the mean of its rows' ramp.
  const auto back = data::imagenet_postprocess(dm.train.inputs);
  EXPECT_NEAR(back[0].mean().item<double>(), 0.8 * 0.5 + 0.05, 0.02);
  std::string message;
  EXPECT_TRUE(throws_with([&] {
    data::style_images(data::StyleImagesOptions(dir / "content.png", dir / "style.png").height(300).width(450));
  }, "content.png is 40x60 pixels (height x width), smaller than --image-shape 300x450", &message)) << message;
  // A smaller style image is up-sampled (with a warning).
  EXPECT_NO_THROW(data::style_images(data::StyleImagesOptions(dir / "style.png", dir / "content.png").height(40).width(60)));
  EXPECT_TRUE(throws_with([] { apps::parse_image_shape("300by450"); }, "expected HEIGHTxWIDTH", &message)) << message;
  EXPECT_EQ(apps::parse_image_shape("300x450"), (std::pair<int64_t, int64_t>{300, 450}));
}

TEST(StyleTransfer, SavedImagesReadBackWithTheirPixels) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  const auto image = torch::rand({3, 7, 9});
  ASSERT_TRUE(train::save_image(dir / "x.png", image));
  const auto back = data::read_image(dir / "x.png", 3).to(torch::kFloat32) / 255.0;
  EXPECT_LT((back - image).abs().max().item<double>(), 0.5 / 255 + 1e-6);
  std::string message;
  EXPECT_TRUE(throws_with([&] { train::save_image(dir / "x.gif", image); }, "expected a .png, .jpg or .jpeg", &message));
}

TEST(StyleTransfer, AFewStepsLowerTheTotalLoss) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  write_style_pair(dir);
  auto c = style_run(dir, 8);
  c.report_every = 4;
  c.lr = 0.01;  // the book's 0.3 first roughens so small an image (its TV goes up) before it settles
  auto e = apps::build_experiment(c);
  // The image starts as the content image (the book's get_inits).
  EXPECT_TRUE(torch::equal(e.model.get<models::SynthesizedImage>()->weight, e.data.train.inputs));
  train::Trainer trainer(apps::trainer_options(e, dir / "run"));
  const auto result = trainer.fit(*e.task, e.data);
  const auto& rows = result.history.rows;
  ASSERT_EQ(rows.size(), 8u);  // a row per epoch, written every 4
  EXPECT_LT(rows.back().at("train_loss"), rows.front().at("train_loss"));
  for (const auto* name : {"train_content_loss", "train_style_loss", "train_tv_loss"}) EXPECT_TRUE(rows.back().count(name));
  EXPECT_TRUE(std::filesystem::exists(dir / "run/checkpoints/last.pt"));
  // The book's StepLR(50, 0.8): no decay yet after 8 steps.
  EXPECT_DOUBLE_EQ(rows.back().at("lr"), 0.01);
}

TEST(StyleTransfer, WeightsOfAnotherNetworkAreRefused) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  write_style_pair(dir);
  auto c = style_run(dir, 1);
  // VGG-11's first layers: features.3 is a convolution there, a ReLU in VGG-19.
  train::weights::write_state_dict(dir / "vgg11.pt", {{"features.0.weight", torch::zeros({64, 3, 3, 3})},
                                                     {"features.0.bias", torch::zeros({64})},
                                                     {"features.3.weight", torch::zeros({128, 64, 3, 3})}});
  c.weights = (dir / "vgg11.pt").string();
  std::string message;
  EXPECT_TRUE(throws_with([&] { apps::build_experiment(c); }, "not torchvision's VGG-19", &message)) << message;
  train::weights::write_state_dict(dir / "first.pt", {{"features.0.weight", torch::zeros({64, 3, 3, 3})},
                                                     {"features.0.bias", torch::zeros({64})}});
  c.weights = (dir / "first.pt").string();
  EXPECT_TRUE(throws_with([&] { apps::build_experiment(c); }, "missing (kept as initialised): features.2.weight", &message))
      << message;
  auto lenet = test::quick_run("lenet", "fashion-mnist");
  lenet.content = "x.png";
  EXPECT_TRUE(throws_with([&] { apps::resolve(lenet); }, "are for style transfer", &message)) << message;
  auto missing = style_run(dir, 1);
  missing.content = (dir / "nothing.jpg").string();
  EXPECT_TRUE(throws_with([&] { apps::build_experiment(missing); }, "nothing.jpg", &message)) << message;
}

TEST(StyleTransfer, StylizeWritesThePictureAndItsRun) {
  if (!data::can_read_images()) GTEST_SKIP() << "no OpenCV in this build";
  test::TempDir dir;
  write_style_pair(dir);
  const auto pair = "--content " + (dir / "content.png").string() + " --style " + (dir / "style.png").string();
  // A bad --out fails before any optimisation and leaves no run behind.
  auto bad = test::run_d2l("stylize " + pair + " --out " + (dir / "out.gif").string() + " --run " + (dir / "bad").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("expected a .png, .jpg or .jpeg file name"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad"));

  const auto run = dir / "run";
  auto r = test::run_d2l("stylize " + pair + " --out " + (dir / "out.png").string() + " --image-shape 32x48 --epochs 12 --threads 2 --run " +
                         run.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("has random weights"), std::string::npos) << r.output;  // no --weights: a warning
  EXPECT_NE(r.output.find("download.pytorch.org/models/vgg19-dcbb9e9d.pth"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("epoch 10/12"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("epoch 11/12"), std::string::npos) << r.output;  // every 10 epochs, as the book plots
  EXPECT_NE(r.output.find("epoch 12/12"), std::string::npos) << r.output;
  const auto picture = data::read_image(dir / "out.png", 3);
  EXPECT_EQ(picture.sizes(), (std::vector<int64_t>{3, 32, 48}));
  std::ifstream csv(run / "metrics.csv");
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, 13);  // header and every epoch

  // The run's image again, from its checkpoint; it exports only as a state dict.
  auto p = test::run_d2l("predict " + run.string() + " --out " + (dir / "again.jpg").string());
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_EQ(data::read_image(dir / "again.jpg", 3).sizes(), picture.sizes());
  auto x = test::run_d2l("export " + run.string());
  EXPECT_NE(x.exit_code, 0);
  EXPECT_NE(x.output.find("is an image, not a network"), std::string::npos) << x.output;
}
