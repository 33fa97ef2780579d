#include "data/voc.h"

#include <zlib.h>

#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>

#include "data/log.h"
#include "data/image.h"

#ifdef D2L_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

namespace d2l::data {
namespace fs = std::filesystem;

namespace {

constexpr std::array<uint8_t, 3> kVoidColour{224, 224, 192};  // VOC's object borders

int64_t key(const std::array<uint8_t, 3>& c) { return (int64_t{c[0]} << 16) | (int64_t{c[1]} << 8) | c[2]; }

std::string colour_text(const std::array<uint8_t, 3>& c) {
  return "(" + std::to_string(c[0]) + ", " + std::to_string(c[1]) + ", " + std::to_string(c[2]) + ")";
}

// VOC's palette as 256 RGB entries: the classes, the void colour at 255, black elsewhere.
torch::Tensor palette() {
  auto p = torch::zeros({256, 3}, torch::kUInt8);
  const auto& colours = voc_colormap();
  for (size_t i = 0; i < colours.size(); ++i)
    for (int j = 0; j < 3; ++j) p[static_cast<int64_t>(i)][j] = colours[i][j];
  for (int j = 0; j < 3; ++j) p[kIgnoreLabel][j] = kVoidColour[j];
  return p;
}

std::vector<std::string> read_split(const fs::path& root, const std::string& split) {
  const auto file = root / "ImageSets" / "Segmentation" / (split + ".txt");
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error(file.string() + ": no such split file (a VOC 2012 folder holds ImageSets/Segmentation/"
                             "train.txt and val.txt, JPEGImages/ and SegmentationClass/)");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) throw std::runtime_error(file.string() + ": lists no images");
  return names;
}

struct Example {
  torch::Tensor image;   // [3, H, W] uint8
  torch::Tensor labels;  // [H, W] int64
};

// The split's images at least crop_h x crop_w, with their class indices.
std::vector<Example> read_examples(const VOCOptions& o, const std::string& split, int64_t limit) {
  auto names = read_split(o.root(), split);
  if (limit > 0 && static_cast<int64_t>(names.size()) > limit) names.resize(static_cast<size_t>(limit));
  std::vector<Example> out;
  int64_t too_small = 0;
  for (const auto& name : names) {
    const auto image_file = o.root() / "JPEGImages" / (name + ".jpg");
    const auto mask_file = o.root() / "SegmentationClass" / (name + ".png");
    auto image = read_image(image_file, 3);
    auto mask = read_image(mask_file, 3);
    if (image.sizes() != mask.sizes())
      throw std::runtime_error(image_file.string() + " is " + std::to_string(image.size(1)) + " x " +
                               std::to_string(image.size(2)) + " but its mask " + mask_file.string() + " is " +
                               std::to_string(mask.size(1)) + " x " + std::to_string(mask.size(2)));
    auto labels = voc_label_indices(mask);
    if (!labels.unknown.empty()) {
      std::string colours;
      for (const auto& c : labels.unknown) colours += (colours.empty() ? "" : ", ") + colour_text(c);
      logging::warn(mask_file.string() + ": colours not in VOC's palette, ignored like object borders: " + colours);
    }
    if (image.size(1) < o.crop_height() || image.size(2) < o.crop_width()) {
      ++too_small;
      continue;
    }
    out.push_back({std::move(image), std::move(labels.labels)});
  }
  if (too_small > 0)
    logging::info("VOC " + split + ": left out " + std::to_string(too_small) + " of " + std::to_string(names.size()) +
                  " images smaller than the " + std::to_string(o.crop_height()) + " x " + std::to_string(o.crop_width()) +
                  " crop");
  if (out.empty())
    throw std::runtime_error(o.root().string() + ": no " + split + " image is at least " + std::to_string(o.crop_height()) +
                             " x " + std::to_string(o.crop_width()));
  return out;
}

TensorDataset crops(const std::vector<Example>& examples, int64_t h, int64_t w, std::mt19937_64* random) {
  std::vector<torch::Tensor> images, labels;
  for (const auto& e : examples) {
    const int64_t H = e.image.size(1), W = e.image.size(2);
    int64_t top = (H - h) / 2, left = (W - w) / 2;
    if (random) {
      top = std::uniform_int_distribution<int64_t>(0, H - h)(*random);
      left = std::uniform_int_distribution<int64_t>(0, W - w)(*random);
    }
    images.push_back(e.image.slice(1, top, top + h).slice(2, left, left + w));
    labels.push_back(e.labels.slice(0, top, top + h).slice(1, left, left + w));
  }
  return {torch::stack(images), torch::stack(labels)};
}

}  // namespace

const std::vector<std::string>& voc_classes() {
  static const std::vector<std::string> names = {
      "background", "aeroplane", "bicycle", "bird",  "boat",        "bottle", "bus",
      "car",        "cat",       "chair",   "cow",   "diningtable", "dog",    "horse",
      "motorbike",  "person",    "potted plant", "sheep", "sofa", "train",  "tv/monitor"};
  return names;
}

const std::vector<std::array<uint8_t, 3>>& voc_colormap() {
  static const std::vector<std::array<uint8_t, 3>> colours = {
      {0, 0, 0},      {128, 0, 0},   {0, 128, 0},    {128, 128, 0},  {0, 0, 128},   {128, 0, 128},  {0, 128, 128},
      {128, 128, 128}, {64, 0, 0},   {192, 0, 0},    {64, 128, 0},   {192, 128, 0}, {64, 0, 128},   {192, 0, 128},
      {64, 128, 128}, {192, 128, 128}, {0, 64, 0},   {128, 64, 0},   {0, 192, 0},   {128, 192, 0},  {0, 64, 128}};
  return colours;
}

LabelImage voc_label_indices(const torch::Tensor& rgb) {
  const auto c = rgb.to(torch::kInt64);
  const auto keys = c[0] * 65536 + c[1] * 256 + c[2];
  auto labels = torch::full(keys.sizes(), kIgnoreLabel, torch::kInt64);
  const auto& colours = voc_colormap();
  for (size_t i = 0; i < colours.size(); ++i) labels.masked_fill_(keys == key(colours[i]), static_cast<int64_t>(i));
  LabelImage out{labels, {}};
  const auto unknown = keys.masked_select((labels == kIgnoreLabel) & (keys != key(kVoidColour)));
  if (unknown.numel() > 0) {
    const auto distinct = std::get<0>(torch::_unique(unknown)).contiguous();
    for (int64_t i = 0; i < std::min<int64_t>(distinct.numel(), 5); ++i) {
      const int64_t k = distinct.data_ptr<int64_t>()[i];
      out.unknown.push_back({static_cast<uint8_t>(k >> 16), static_cast<uint8_t>((k >> 8) & 255), static_cast<uint8_t>(k & 255)});
    }
  }
  return out;
}

torch::Tensor voc_colorize(const torch::Tensor& labels) {
  return palette().index_select(0, labels.flatten().to(torch::kInt64)).view({labels.size(0), labels.size(1), 3}).permute({2, 0, 1}).contiguous();
}

void write_palette_png(const fs::path& file, const torch::Tensor& labels) {
  const auto indices = labels.to(torch::kUInt8).contiguous();
  const auto height = static_cast<uint32_t>(indices.size(0)), width = static_cast<uint32_t>(indices.size(1));
  std::string raw;  // each row: filter type 0, then the row's bytes
  const auto* p = indices.data_ptr<uint8_t>();
  for (uint32_t y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(p + static_cast<size_t>(y) * width), width);
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK)
    throw std::runtime_error(file.string() + ": cannot compress the mask");
  compressed.resize(size);

  std::string png("\x89PNG\r\n\x1a\n", 8);
  const auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  const auto chunk = [&](const std::string& type, const std::string& data) {
    const std::string body = type + data;
    png += be32(static_cast<uint32_t>(data.size())) + body;
    png += be32(static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  };
  chunk("IHDR", be32(width) + be32(height) + std::string{8, 3, 0, 0, 0});  // 8-bit palette indices
  const auto colours = palette();
  chunk("PLTE", std::string(reinterpret_cast<const char*>(colours.data_ptr<uint8_t>()), 256 * 3));
  chunk("IDAT", compressed);
  chunk("IEND", "");
  std::ofstream out(file, std::ios::binary);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out) throw std::runtime_error(file.string() + ": cannot write");
}

DataModule voc_segmentation(const VOCOptions& o) {
  const auto train = std::make_shared<std::vector<Example>>(read_examples(o, "train", o.limit_train()));
  DataModule dm;
  dm.name = "voc";
  dm.class_names = voc_classes();
  dm.val = crops(read_examples(o, "val", o.limit_val()), o.crop_height(), o.crop_width(), nullptr);
  const int64_t h = o.crop_height(), w = o.crop_width();
  dm.train_for_epoch = [train, h, w](int64_t epoch, int64_t, uint64_t seed) {
    std::mt19937_64 random(seed * 1000003 + static_cast<uint64_t>(epoch));
    return crops(*train, h, w, &random);
  };
  dm.train = dm.train_for_epoch(0, 1, 0);
  dm.transform.mean = kImageNetMean;  // as the book
  dm.transform.std = kImageNetStd;
  return dm;
}

#ifdef D2L_HAVE_OPENCV
void write_voc_shapes(const fs::path& root, int64_t n_train, int64_t n_val, uint64_t seed, int64_t height, int64_t width) {
  for (const auto* dir : {"JPEGImages", "SegmentationClass", "ImageSets/Segmentation"}) fs::create_directories(root / dir);
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::array<std::array<double, 3>, 4> hues = {{{210, 50, 40}, {40, 190, 60}, {50, 70, 220}, {220, 200, 40}}};
  const auto ys = torch::arange(height, torch::kFloat32).view({-1, 1}).expand({height, width});
  const auto xs = torch::arange(width, torch::kFloat32).view({1, -1}).expand({height, width});
  for (const auto* split : {"train", "val"}) {
    std::ofstream list(root / "ImageSets" / "Segmentation" / (std::string(split) + ".txt"));
    const int64_t n = std::string(split) == "train" ? n_train : n_val;
    for (int64_t i = 0; i < n; ++i) {
      const std::string name = std::string(split) + "_" + std::to_string(i);
      // Background: a gray level, stripes of a random direction and period, and noise.
      const double angle = u(random) * M_PI, period = 6 + 10 * u(random), base = 70 + 80 * u(random);
      auto image = (base + 25 * torch::sin((xs * std::cos(angle) + ys * std::sin(angle)) * (2 * M_PI / period)))
                       .unsqueeze(0)
                       .repeat({3, 1, 1});
      auto labels = torch::zeros({height, width}, torch::kInt64);
      const int shapes = 1 + static_cast<int>(u(random) * 3);
      for (int s = 0; s < shapes; ++s) {
        const int c = static_cast<int>(u(random) * 4);  // class c + 1
        const double cy = height * (0.2 + 0.6 * u(random)), cx = width * (0.2 + 0.6 * u(random));
        const double r = std::min(height, width) * (0.12 + 0.15 * u(random));
        torch::Tensor inside, border;
        if (u(random) < 0.5) {  // a disc
          const auto d = ((ys - cy).pow(2) + (xs - cx).pow(2)).sqrt();
          inside = d <= r;
          border = (d <= r + 2) & inside.logical_not();
        } else {  // a rectangle
          const double ry = r * (0.6 + 0.6 * u(random)), rx = r * (0.6 + 0.6 * u(random));
          const auto dy = (ys - cy).abs(), dx = (xs - cx).abs();
          inside = (dy <= ry) & (dx <= rx);
          border = (dy <= ry + 2) & (dx <= rx + 2) & inside.logical_not();
        }
        for (int k = 0; k < 3; ++k) image[k].masked_fill_(inside, hues[c][k]);
        labels.masked_fill_(border, kIgnoreLabel);
        labels.masked_fill_(inside, c + 1);
      }
      image = (image + torch::randn(image.sizes()) * 12).clamp(0, 255).round().to(torch::kUInt8);
      const auto hwc = image.flip(0).permute({1, 2, 0}).contiguous();  // BGR for OpenCV
      const cv::Mat mat(static_cast<int>(height), static_cast<int>(width), CV_8UC3, hwc.data_ptr<uint8_t>());
      const auto jpg = root / "JPEGImages" / (name + ".jpg");
      if (!cv::imwrite(jpg.string(), mat, {cv::IMWRITE_JPEG_QUALITY, 95})) throw std::runtime_error(jpg.string() + ": cannot write");
      write_palette_png(root / "SegmentationClass" / (name + ".png"), labels);
      list << name << "\n";
    }
  }
}
#else
void write_voc_shapes(const fs::path& root, int64_t, int64_t, uint64_t, int64_t, int64_t) {
  throw std::runtime_error(root.string() + ": this build cannot write images (OpenCV was not found when it was configured)");
}
#endif

}  // namespace d2l::data
