#include "apps/registry.h"


#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "apps/suggest.h"
#include "data/log.h"
#include "data/cifar10.h"
#include "data/fashion_mnist.h"
#include "data/gan_gaussian.h"
#include "data/unpaired_images.h"
#include "data/hub.h"
#include "data/image_folder.h"
#include "data/locate.h"
#include "data/style_images.h"
#include "data/synthetic_regression.h"
#include "data/voc.h"
#include "models/alexnet.h"
#include "models/densenet.h"
#include "models/cyclegan.h"
#include "models/fcn.h"
#include "models/gan.h"
#include "models/googlenet.h"
#include "models/lenet.h"
#include "models/linear_regression.h"
#include "models/mlp.h"
#include "models/neural_style.h"
#include "models/nin.h"
#include "models/resnet.h"
#include "models/unet.h"
#include "models/vgg.h"
#include "models/mae.h"
#include "models/swin.h"
#include "models/vit.h"

namespace d2l::apps {
namespace {

using torch::nn::AnyModule;

int64_t flat_size(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

AnyModule lenet(const ModelArgs& a, models::BatchNormKind bn) {
  return AnyModule(models::LeNet(models::LeNetOptions()
                                     .in_channels(a.input_shape[0])
                                     .image_size(a.input_shape[1])
                                     .num_classes(a.num_outputs)
                                     .batch_norm(bn)));
}

AnyModule mlp(const ModelArgs& a, std::vector<int64_t> hiddens, std::vector<double> dropout) {
  if (!a.dropout.empty()) dropout = a.dropout;
  return AnyModule(models::MLP(models::MLPOptions()
                                   .num_inputs(flat_size(a.input_shape))
                                   .num_hiddens(hiddens)
                                   .num_outputs(a.num_outputs)
                                   .dropouts(dropout)));
}

// The book's networks take the data's channels; torchvision's keep their 3-channel ImageNet
// stem, so that torchvision's weights load (gray images are repeated to 3 channels).
int64_t book_channels(const ModelArgs& a) { return a.input_shape[0]; }
constexpr int64_t kImageNetChannels = 3;

template <typename Model, typename Options>
AnyModule make(Options options) {
  return AnyModule(Model(options));
}

AnyModule vgg(const ModelArgs& a, models::VGGArch arch, bool batch_norm, int64_t channels) {
  return make<models::VGG>(
      models::VGGOptions().arch(std::move(arch)).batch_norm(batch_norm).in_channels(channels).num_classes(a.num_outputs));
}

// The book's ViT (11.8), with the sizes a run may change; also the MAE's encoder.
models::ViTOptions vit_options(const ModelArgs& a) {
  auto o = models::ViTOptions().in_channels(a.input_shape[0]).img_size(a.input_shape[1]).num_classes(a.num_outputs);
  if (a.patch_size > 0) o.patch_size(a.patch_size);
  if (a.num_hiddens > 0) o.num_hiddens(a.num_hiddens).mlp_num_hiddens(4 * a.num_hiddens);
  if (a.num_layers > 0) o.num_blks(a.num_layers);
  return o;
}

// Where a generated data set is written: --data-dir, else $D2L_DATA, else ~/.cache/d2l.
std::filesystem::path generated_root(const RunConfig& c, const std::string& name) {
  return data::download_root(data_dir(c)) / name;
}

// An image named on the command line: the path as given, else under the data folders (the
// book's rainier.jpg and autumn-oak.jpg sit in --data-dir like its data sets).
std::filesystem::path find_image(const RunConfig& c, const std::string& file, const std::string& flag) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec) || std::filesystem::path(file).is_absolute()) return file;
  const auto find = [&] {
    const data::DataSource source{"neural-style", {file}, {}, ""};
    std::string looked;
    for (const auto& dir : data::search_path(source, data_dir(c))) {
      if (std::filesystem::is_regular_file(dir / file, ec)) return dir / file;
      looked += (looked.empty() ? "" : ", ") + dir.string();
    }
    throw std::runtime_error(flag + " " + file + ": no such file (also looked in " + looked + ")");
  };
  // The book's own photos come from the data hub when they are missing.
  for (const auto& hub_file : data::find_hub_entry("style-images")->files)
    if (hub_file.name == file) return data::find_or_fetch("style-images", data_dir(c), !c.no_download, find);
  try {
    return find();
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(e.what());
  }
}

data::MNISTOptions mnist_options(const RunConfig& c, int64_t resize) {
  data::MNISTOptions options;
  if (!c.data_dir.empty()) options.data_dir(std::filesystem::path(c.data_dir));
  return options.resize(resize).limit_train(c.limit_train).limit_val(c.limit_test);
}

data::DataModule fashion_mnist(const RunConfig& c, int64_t resize) {
  hub_data(c, data::fashion_mnist_source(), "fashion-mnist");
  return data::fashion_mnist(mnist_options(c, resize));
}

data::DataModule limited(data::DataModule dm, const RunConfig& c) {
  dm.train = dm.train.head(c.limit_train);
  dm.val = dm.val.head(c.limit_test);
  return dm;
}

}  // namespace

std::optional<std::filesystem::path> data_dir(const RunConfig& c) {
  if (c.data_dir.empty()) return std::nullopt;
  return std::filesystem::path(c.data_dir);
}

std::filesystem::path hub_data(const RunConfig& c, const data::DataSource& source, const std::string& hub_name) {
  return data::locate_or_fetch(source, hub_name, data_dir(c), !c.no_download);
}

const std::vector<ModelSpec>& models() {
  using models::BatchNormKind;
  const ModelDefaults fashion{"fashion-mnist", 10, 256, 0.1, "normal", 0};
  const ModelDefaults cnn{"fashion-mnist", 10, 256, 0.9, "xavier", 0};  // train_ch6
  // torchvision's networks on Fashion-MNIST: 224 x 224, gray repeated to 3 channels, PyTorch's init.
  const ModelDefaults tv{"fashion-mnist", 10, 128, 0.01, "none", 224, kImageNetChannels};
  // Swin trains with AdamW (Liu et al. 2021); 32 x 32 for the small one.
  const ModelDefaults swin{"fashion-mnist", 10, 128, 1e-3, "none", 32, 0, "adamw"};
  const ModelDefaults tv_swin{"fashion-mnist", 10, 128, 1e-3, "none", 224, kImageNetChannels, "adamw"};
  const ModelDefaults regression{"synthetic-regression", 3, 32, 0.03, "none", 0};
  ModelDefaults style{"style-images", 500, 1, 0.3, "none", 0, 3, "adam"};
  ModelDefaults simple_gan{"gan-gaussian", 20, 8, 0.05, "none", 0, 0, "adam"};
  simple_gan.generator_lr = 0.005;  // lr_D 0.05, lr_G 0.005
  ModelDefaults cyclegan{"fashion-shoes", 10, 1, 2e-4, "none", 0, 0, "adam"};
  cyclegan.beta1 = 0.5;
  cyclegan.scheduler = "linear";  // the second half of the epochs decays to 0
  ModelDefaults dcgan{"fashion-mnist", 20, 256, 0.005, "none", 64, 0, "adam"};
  dcgan.beta1 = 0.5;  // Adam's betas (0.5, 0.999) for both nets
  style.report_every = 10;  // the book plots every 10 epochs
  style.scheduler = "step";  // StepLR(50, 0.8)
  style.step_size = 50;
  style.gamma = 0.8;
  static const std::vector<ModelSpec> table = {
      {"linear-regression", "Linear regression from scratch", "3.4", TaskKind::regression_half_squared, regression,
       [](const ModelArgs& a) {
         return AnyModule(models::LinearRegression(
             models::LinearRegressionOptions().num_inputs(flat_size(a.input_shape)).scratch(true)));
       }},
      {"linear-regression-concise", "Concise linear regression", "3.5", TaskKind::regression, regression,
       [](const ModelArgs& a) {
         return AnyModule(
             models::LinearRegression(models::LinearRegressionOptions().num_inputs(flat_size(a.input_shape))));
       }},
      {"softmax-regression", "Softmax regression", "4.5", TaskKind::classification, fashion,
       [](const ModelArgs& a) {
         return AnyModule(
             models::LinearRegression(models::softmax_regression_options(flat_size(a.input_shape), a.num_outputs)));
       }},
      {"mlp", "Multilayer perceptron", "5.2", TaskKind::classification, fashion,
       [](const ModelArgs& a) { return mlp(a, {256}, {}); }, true},
      {"dropout-mlp",
       "MLP with dropout",
       "5.6",
       TaskKind::classification,
       {"fashion-mnist", 10, 256, 0.1, "none", 0},
       [](const ModelArgs& a) {
         return mlp(a, {256, 256}, {0.5, 0.5});
       },
       true},
      {"lenet", "LeNet", "7.6", TaskKind::classification, cnn,
       [](const ModelArgs& a) { return lenet(a, BatchNormKind::none); }, false, {"net.11."}},
      {"bn-lenet-scratch",
       "LeNet with the book's BatchNorm",
       "8.5",
       TaskKind::classification,
       {"fashion-mnist", 10, 256, 1.0, "xavier", 0},
       [](const ModelArgs& a) { return lenet(a, BatchNormKind::scratch); }, false, {"net.15."}},
      {"bn-lenet",
       "LeNet with nn::BatchNorm",
       "8.5",
       TaskKind::classification,
       {"fashion-mnist", 10, 256, 1.0, "xavier", 0},
       [](const ModelArgs& a) { return lenet(a, BatchNormKind::builtin); }, false, {"net.15."}},
      // Modern CNNs (chapter 8): train_ch6 with the book's batch size, lr and input size.
      {"alexnet", "AlexNet", "8.1", TaskKind::classification, {"fashion-mnist", 10, 128, 0.01, "xavier", 224},
       [](const ModelArgs& a) {
         return make<models::AlexNet>(models::book_alexnet().in_channels(book_channels(a)).num_classes(a.num_outputs));
       }, false, {"classifier.6."}},
      {"vgg11", "VGG-11 with a quarter of the channels (the book's small VGG)", "8.2", TaskKind::classification,
       {"fashion-mnist", 10, 128, 0.05, "xavier", 224},
       [](const ModelArgs& a) { return vgg(a, models::vgg11_arch(4), false, book_channels(a)); }, false, {"classifier.6."}},
      {"vgg11-full", "VGG-11", "8.2", TaskKind::classification, {"fashion-mnist", 10, 128, 0.05, "xavier", 224},
       [](const ModelArgs& a) { return vgg(a, models::vgg11_arch(), false, book_channels(a)); }, false, {"classifier.6."}},
      {"nin", "Network in Network (NiN)", "8.3", TaskKind::classification,
       {"fashion-mnist", 10, 128, 0.1, "xavier", 224},
       [](const ModelArgs& a) {
         return make<models::NiN>(models::NiNOptions().in_channels(book_channels(a)).num_classes(a.num_outputs));
       }, false, {"classifier."}},
      {"googlenet", "GoogLeNet", "8.4", TaskKind::classification, {"fashion-mnist", 10, 128, 0.1, "xavier", 96},
       [](const ModelArgs& a) {
         return make<models::GoogLeNet>(
             models::book_googlenet().in_channels(book_channels(a)).num_classes(a.num_outputs));
       }, false, {"fc."}},
      {"resnet18", "ResNet-18", "8.6", TaskKind::classification, {"fashion-mnist", 10, 256, 0.05, "xavier", 96},
       [](const ModelArgs& a) {
         return make<models::ResNet>(models::book_resnet18().in_channels(book_channels(a)).num_classes(a.num_outputs));
       }, false, {"fc."}},
      {"densenet", "DenseNet", "8.7", TaskKind::classification, {"fashion-mnist", 10, 256, 0.1, "xavier", 96},
       [](const ModelArgs& a) {
         return make<models::DenseNet>(
             models::book_densenet().in_channels(book_channels(a)).num_classes(a.num_outputs));
       }, false, {"classifier."}},
      // Transformers for vision (chapter 11): the book's ViT at 96 x 96, SGD lr 0.1, PyTorch's init.
      {"vit", "Vision Transformer (ViT)", "11.8", TaskKind::classification, {"fashion-mnist", 10, 128, 0.1, "none", 96},
       [](const ModelArgs& a) { return make<models::ViT>(vit_options(a)); }, false, {"head.1."}, true},
      // Masked-autoencoder pre-training (cited in 11.9; He et al. 2021) of the ViT above: the
      // same encoder sizes, so that d2l train vit --init-from RUN fine-tunes it.
      {"mae", "Masked autoencoder (MAE) pre-training a ViT", "11.9", TaskKind::mae_pretrain,
       {"fashion-mnist", 10, 128, 1e-3, "none", 96, 0, "adamw"},
       [](const ModelArgs& a) {
         auto options = models::MAEOptions(vit_options(a).emb_dropout(0.0).blk_dropout(0.0)).norm_pix_loss(a.norm_pix_loss);
         if (a.mask_ratio) options.mask_ratio(*a.mask_ratio);
         return make<models::MAE>(options);
       }, false, {}, true},
      // Swin (cited in 11.9; Liu et al. 2021): windows of 4 x 4 patches on 32 x 32 images.
      {"swin", "Swin Transformer (small, for 32 x 32 images)", "11.9", TaskKind::classification, swin,
       [](const ModelArgs& a) {
         return make<models::Swin>(models::swin_small_images()
                                       .in_channels(a.input_shape[0])
                                       .img_size(a.input_shape[1])
                                       .num_classes(a.num_outputs));
       }, false, {"head."}},
      // Semantic segmentation (14.11): ResNet-18 backbone with torchvision's names (--weights
      // resnet18-f37072fd.pth --strict-weights false loads it), 1 x 1 conv, bilinear 32x up-sampling.
      {"fcn", "Fully convolutional network (FCN)", "14.11", TaskKind::segmentation,
       {"voc-shapes", 5, 32, 0.001, "none", 0, 3, "sgd"},
       [](const ModelArgs& a) { return make<models::FCN>(models::FCNOptions().num_classes(a.num_outputs)); }, false,
       {"final_conv.", "transpose_conv."}},
      // A second segmentation model (not in the book): a small U-Net with skip connections.
      {"unet", "U-Net (small, 3 poolings; Ronneberger et al. 2015)", "14.11", TaskKind::segmentation,
       {"voc-shapes", 5, 32, 0.001, "none", 0, 0, "adam"},
       [](const ModelArgs& a) {
         return make<models::UNet>(models::UNetOptions().in_channels(a.input_shape[0]).num_classes(a.num_outputs));
       }, false, {"head."}},
      // Neural style transfer (14.12): the synthesised image is the model; a frozen VGG-19 (--weights:
      // torchvision's vgg19-dcbb9e9d.pth) measures it. Adam, lr 0.3, 500 one-step epochs.
      {"neural-style", "Neural style transfer (the synthesised image)", "14.12", TaskKind::style_transfer,
       style,
       [](const ModelArgs& a) {
         auto shape = a.input_shape;
         shape.insert(shape.begin(), 1);
         return AnyModule(models::SynthesizedImage(shape));
       }},
      // Generative adversarial networks (20.1-20.2): the pair in one model, an optimizer each.
      {"gan", "Generative adversarial network on 2-D Gaussian data", "20.1", TaskKind::gan, simple_gan,
       [](const ModelArgs& a) { return AnyModule(models::simple_gan(2, a.input_shape[0])); }},
      {"dcgan", "Deep convolutional GAN (DCGAN), 64 x 64 images", "20.2", TaskKind::gan, dcgan,
       [](const ModelArgs& a) {
         if (a.input_shape.size() != 3 || a.input_shape[1] != 64 || a.input_shape[2] != 64)
           throw std::invalid_argument("dcgan makes 64 x 64 images: pass --resize 64");
         return AnyModule(models::dcgan(models::DCGANOptions().channels(a.input_shape[0])));
       }},
      // CycleGAN (Zhu et al. 2017; not in the book): two ResNet generators (6 blocks below 256 x 256
      // images, 9 from there), two PatchGANs; Adam 2e-4, beta1 0.5, constant then linear decay.
      {"cyclegan", "CycleGAN (unpaired image-to-image translation)", "20.2", TaskKind::cyclegan, cyclegan,
       [](const ModelArgs& a) {
         if (a.input_shape.size() != 3 || a.input_shape[1] % 4 != 0 || a.input_shape[1] != a.input_shape[2])
           throw std::invalid_argument("cyclegan needs square images whose side is a multiple of 4");
         return AnyModule(models::CycleGAN(
             models::CycleGANOptions().channels(a.input_shape[0]).n_blocks(a.input_shape[1] >= 256 ? 9 : 6)));
       }},
      // torchvision 0.14's architectures: same parameter and buffer names, so its .pth weights load.
      {"tv-alexnet", "torchvision AlexNet", "8.1", TaskKind::classification, tv,
       [](const ModelArgs& a) {
         return make<models::AlexNet>(models::AlexNetOptions().in_channels(kImageNetChannels).num_classes(a.num_outputs));
       }, false, {"classifier.6."}},
      {"tv-vgg11", "torchvision VGG-11", "8.2", TaskKind::classification, tv,
       [](const ModelArgs& a) { return vgg(a, models::vgg11_arch(), false, kImageNetChannels); }, false, {"classifier.6."}},
      {"tv-vgg11-bn", "torchvision VGG-11 with batch norm", "8.2", TaskKind::classification, tv,
       [](const ModelArgs& a) { return vgg(a, models::vgg11_arch(), true, kImageNetChannels); }, false, {"classifier.6."}},
      {"tv-vgg16", "torchvision VGG-16", "8.2", TaskKind::classification, tv,
       [](const ModelArgs& a) { return vgg(a, models::vgg16_arch(), false, kImageNetChannels); }, false, {"classifier.6."}},
      {"tv-vgg16-bn", "torchvision VGG-16 with batch norm", "8.2", TaskKind::classification, tv,
       [](const ModelArgs& a) { return vgg(a, models::vgg16_arch(), true, kImageNetChannels); }, false, {"classifier.6."}},
      {"tv-vgg19", "torchvision VGG-19", "8.2", TaskKind::classification, tv,
       [](const ModelArgs& a) { return vgg(a, models::vgg19_arch(), false, kImageNetChannels); }, false, {"classifier.6."}},
      {"tv-vgg19-bn", "torchvision VGG-19 with batch norm", "8.2", TaskKind::classification, tv,
       [](const ModelArgs& a) { return vgg(a, models::vgg19_arch(), true, kImageNetChannels); }, false, {"classifier.6."}},
      {"tv-googlenet", "torchvision GoogLeNet (Inception v1)", "8.4", TaskKind::classification, tv,
       [](const ModelArgs& a) {
         return make<models::GoogLeNet>(
             models::GoogLeNetOptions().in_channels(kImageNetChannels).num_classes(a.num_outputs));
       }, false, {"fc.", "aux1.fc2.", "aux2.fc2."}},
      {"tv-resnet18", "torchvision ResNet-18", "8.6", TaskKind::classification, tv,
       [](const ModelArgs& a) { return make<models::ResNet>(models::resnet18().num_classes(a.num_outputs)); }, false, {"fc."}},
      {"tv-resnet34", "torchvision ResNet-34", "8.6", TaskKind::classification, tv,
       [](const ModelArgs& a) { return make<models::ResNet>(models::resnet34().num_classes(a.num_outputs)); }, false, {"fc."}},
      {"tv-resnet50", "torchvision ResNet-50", "8.6", TaskKind::classification, tv,
       [](const ModelArgs& a) { return make<models::ResNet>(models::resnet50().num_classes(a.num_outputs)); }, false, {"fc."}},
      {"tv-resnext50-32x4d", "torchvision ResNeXt-50 32x4d", "8.6", TaskKind::classification, tv,
       [](const ModelArgs& a) {
         return make<models::ResNet>(models::resnet50().groups(32).width_per_group(4).num_classes(a.num_outputs));
       }, false, {"fc."}},
      {"tv-swin-t", "torchvision Swin-T", "11.9", TaskKind::classification, tv_swin,
       [](const ModelArgs& a) {
         return make<models::Swin>(models::swin_t().img_size(a.input_shape[1]).num_classes(a.num_outputs));
       }, false, {"head."}},
      {"tv-densenet121", "torchvision DenseNet-121", "8.7", TaskKind::classification, tv,
       [](const ModelArgs& a) { return make<models::DenseNet>(models::densenet121().num_classes(a.num_outputs)); }, false, {"classifier."}},
  };
  static const std::vector<ModelSpec> all = [] {
    auto out = table;
    for (auto& spec : text_models()) out.push_back(std::move(spec));
    return out;
  }();
  return all;
}

const std::vector<DataSpec>& datasets() {
  static const std::vector<DataSpec> table = {
      {"fashion-mnist",
       "Fashion-MNIST, 60,000 + 10,000 gray 28x28 images of 10 clothes (d2l 4.2)",
       {1, 28, 28},
       10,
       [](const RunConfig& c, int64_t resize) { return fashion_mnist(c, resize); }},
      {"mnist",
       "MNIST handwritten digits, same format as Fashion-MNIST",
       {1, 28, 28},
       10,
       [](const RunConfig& c, int64_t resize) {
         hub_data(c, data::mnist_source(), "mnist");
         return data::mnist(mnist_options(c, resize));
       }},
      {"cifar10",
       "CIFAR-10, 50,000 + 10,000 colour 32x32 images of 10 classes (binary version)",
       {3, 32, 32},
       10,
       [](const RunConfig& c, int64_t resize) {
         hub_data(c, data::cifar10_source(), "cifar10");
         return data::cifar10(
             data::CIFAR10Options().data_dir(data_dir(c)).resize(resize).limit_train(c.limit_train).limit_val(c.limit_test));
       }},
      {"hotdog",
       "the book's hot dogs (d2l 14.2): hotdog/train and hotdog/test, two classes, in the data folders",
       {3, 224, 224},
       2,
       [](const RunConfig& c, int64_t resize) {
         const data::DataSource source{"hotdog", {"train", "test"}, {}, ""};
         return data::image_folder(data::ImageFolderOptions(hub_data(c, source, "hotdog"))
                                       .image_size(resize > 0 ? resize : 224)
                                       .limit_train(c.limit_train)
                                       .limit_val(c.limit_test));
       }},
      {"image-folder",
       "your images: --data-dir ROOT with ROOT/train/<class>/*.jpg and ROOT/test/<class>/*.jpg (d2l 14.2)",
       {3, 224, 224},
       0,  // as many classes as class folders
       [](const RunConfig& c, int64_t resize) {
         if (c.data_dir.empty()) throw std::invalid_argument("--data image-folder needs --data-dir ROOT");
         return data::image_folder(data::ImageFolderOptions(c.data_dir)
                                       .image_size(resize > 0 ? resize : 224)
                                       .limit_train(c.limit_train)
                                       .limit_val(c.limit_test));
       }},
      {"voc2012",
       "Pascal VOC 2012 segmentation: --data-dir holding VOCdevkit/VOC2012 (or that folder); 320 x 480 crops (d2l 14.9)",
       {3, 320, 480},
       21,
       [](const RunConfig& c, int64_t) {
         const data::DataSource source{"VOCdevkit/VOC2012", {"ImageSets/Segmentation/train.txt"}, {},
                                       "offline, --data voc-shapes is generated in VOC's layout"};
         const auto root = hub_data(c, source, "voc2012");
         return data::voc_segmentation(data::VOCOptions(root).limit_train(c.limit_train).limit_val(c.limit_test));
       }},
      {"voc-shapes",
       "generated offline in VOC's layout: shapes of 4 classes on striped backgrounds, 96 x 128, 64 x 96 crops",
       {3, 64, 96},
       21,
       [](const RunConfig& c, int64_t) {
         const auto root = generated_root(c, "voc-shapes");
         if (!std::filesystem::exists(root / "ImageSets" / "Segmentation" / "val.txt")) {
           logging::info("writing the generated VOC-layout data set to " + root.string());
           data::write_voc_shapes(root, 600, 100, 0);
         }
         return data::voc_segmentation(
             data::VOCOptions(root).crop_height(64).crop_width(96).limit_train(c.limit_train).limit_val(c.limit_test));
       }},
      {"images",
       "your images for a GAN: --data-dir ROOT with ROOT/<class>/*.jpg (torchvision's ImageFolder), all for "
       "training, resized to --resize (default 64)",
       {3, 64, 64},
       0,
       [](const RunConfig& c, int64_t resize) {
         if (c.data_dir.empty()) throw std::invalid_argument("--data images needs --data-dir ROOT");
         return data::image_classes(c.data_dir, resize > 0 ? resize : 64, c.limit_train);
       }},
      {"pokemon",
       "the book's Pokemon sprites for its DCGAN (d2l 20.2): pokemon/<class>/*.png in the data folders",
       {3, 64, 64},
       0,
       [](const RunConfig& c, int64_t resize) {
         // pokemon/ holds class folders only: look for the folder itself.
         const auto root = data::find_or_fetch("pokemon", data_dir(c), !c.no_download, [&] {
           const data::DataSource source{"pokemon", {}, {}, ""};
           std::string looked;
           for (const auto& dir : data::search_path(source, data_dir(c))) {
             if (dir.filename() == "pokemon" && std::filesystem::is_directory(dir)) return dir;
             looked += (looked.empty() ? "" : ", ") + dir.string();
           }
           throw std::runtime_error("pokemon: no pokemon/ folder in " + looked);
         });
         return data::image_classes(root, resize > 0 ? resize : 64, c.limit_train);
       }},
      {"unpaired",
       "two domains of images for CycleGAN: --data-dir ROOT with ROOT/trainA, trainB, testA, testB "
       "(the public CycleGAN sets' layout), resized to --resize (default 256)",
       {3, 256, 256},
       2,
       [](const RunConfig& c, int64_t resize) {
         if (c.data_dir.empty()) throw std::invalid_argument("--data unpaired needs --data-dir ROOT");
         return data::unpaired_images(data::UnpairedImagesOptions(c.data_dir)
                                          .image_size(resize > 0 ? resize : 256)
                                          .limit_train(c.limit_train)
                                          .limit_val(c.limit_test));
       }},
      {"fashion-shoes",
       "generated offline for CycleGAN: Fashion-MNIST's sneakers (A) and ankle boots (B) as 32 x 32 "
       "images in CycleGAN's layout (500 + 50 of each)",
       {3, 32, 32},
       2,
       [](const RunConfig& c, int64_t resize) {
         const auto root = generated_root(c, "fashion-shoes");
         if (!std::filesystem::exists(root / "testB")) {
           logging::info("writing Fashion-MNIST's sneakers and ankle boots to " + root.string());
           RunConfig whole = c;
           whole.limit_train = whole.limit_test = 0;
           data::write_unpaired_classes(root, fashion_mnist(whole, 0), 7, 9, 500, 50);
         }
         return data::unpaired_images(data::UnpairedImagesOptions(root)
                                          .image_size(resize > 0 ? resize : 32)
                                          .limit_train(c.limit_train)
                                          .limit_val(c.limit_test));
       }},
      {"gan-gaussian",
       "1,000 points of a 2-D Gaussian, X A + b (d2l 20.1)",
       {2},
       1,
       [](const RunConfig& c, int64_t) {
         return limited(data::gan_gaussian(data::GANGaussianOptions().seed(static_cast<uint64_t>(c.seed))), c);
       }},
      {"style-images",
       "neural style transfer's two images: --content IMG --style IMG, resized to --image-shape (d2l 14.12)",
       {3, 300, 450},
       0,
       [](const RunConfig& c, int64_t) {
         if (c.content.empty() || c.style.empty())
           throw std::invalid_argument("--data style-images needs --content IMG and --style IMG");
         const auto [height, width] = parse_image_shape(c.image_shape.value_or("300x450"));
         return data::style_images(data::StyleImagesOptions(find_image(c, c.content, "--content"), find_image(c, c.style, "--style"))
                                       .height(height)
                                       .width(width));
       }},
      {"synthetic-regression",
       "y = Xw + b + noise, w = [2, -3.4], b = 4.2, 1000 + 1000 examples (d2l 3.3)",
       {2},
       1,
       [](const RunConfig& c, int64_t) {
         return limited(data::synthetic_regression(data::SyntheticRegressionOptions().seed(c.seed)), c);
       }},
      {"high-dim-regression",
       "200 inputs, 20 training examples: the weight-decay data (d2l 3.7)",
       {200},
       1,
       [](const RunConfig& c, int64_t) {
         return limited(data::synthetic_regression(data::high_dim_regression_options().seed(c.seed)), c);
       }},
  };
  static const std::vector<DataSpec> all = [] {
    auto out = table;
    for (auto& spec : text_datasets()) out.push_back(std::move(spec));
    return out;
  }();
  return all;
}

namespace {

template <typename Spec>
const Spec& find_by_name(const std::vector<Spec>& table, const std::string& what, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& spec : table) {
    if (spec.name == name) return spec;
    names.push_back(spec.name);
  }
  throw std::invalid_argument(unknown_name_message(what, name, names));
}

}  // namespace

const ModelSpec& find_model(const std::string& name) { return find_by_name(models(), "model", name); }

const DataSpec& find_dataset(const std::string& name) {
  std::error_code ec;
  if (std::none_of(datasets().begin(), datasets().end(), [&](const DataSpec& d) { return d.name == name; }) &&
      std::filesystem::is_regular_file(name, ec))
    return find_by_name(datasets(), "data set", "file");
  return find_by_name(datasets(), "data set", name);
}

std::optional<ModelArgs> default_args(const ModelSpec& spec) {
  const auto& data = find_dataset(spec.defaults.data);
  // Classifiers count the class folders; a style transfer has no outputs to count.
  if (data.num_outputs == 0 && spec.task != TaskKind::classification && spec.task != TaskKind::style_transfer)
    return std::nullopt;
  ModelArgs args{data.example_shape, data.num_outputs, spec.defaults.dropout};
  // Images at the model's default --resize (ViT's patches need it).
  if (args.input_shape.size() == 3 && spec.defaults.resize > 0) args.input_shape[1] = args.input_shape[2] = spec.defaults.resize;
  args.num_hiddens = spec.defaults.num_hiddens;
  args.num_layers = spec.defaults.num_layers;
  args.embed_size = spec.defaults.embed_size;
  return args;
}

int64_t count_parameters(torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

}  // namespace d2l::apps
