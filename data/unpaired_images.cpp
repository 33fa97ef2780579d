#include "data/unpaired_images.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "data/log.h"
#include "data/image.h"
#include "data/style_images.h"

#ifdef D2L_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

namespace d2l::data {
namespace fs = std::filesystem;

namespace {

// The readable images of one domain folder as uint8 [n, 3, side, side].
torch::Tensor read_domain(const fs::path& dir, int64_t side, int64_t limit) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error(dir.string() + ": no such folder (expected trainA/, trainB/, testA/, testB/ of images)");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error(dir.string() + ": no image files");
  std::vector<torch::Tensor> images;
  for (const auto& file : files) {
    if (limit > 0 && static_cast<int64_t>(images.size()) >= limit) break;
    try {
      images.push_back(resize_image(read_image(file, 3), side, side).round().clamp(0, 255).to(torch::kUInt8));
    } catch (const std::runtime_error& error) {
      logging::warn(std::string("skipping ") + error.what());
    }
  }
  if (images.empty()) throw std::runtime_error(dir.string() + ": none of its " + std::to_string(files.size()) + " image files could be read");
  return torch::stack(images);
}

// A side x side crop of each image, at a random place and mirrored half of the time (the
// reference's RandomCrop + RandomHorizontalFlip), or centred without a generator.
torch::Tensor crops(const torch::Tensor& images, int64_t side, at::Generator* generator) {
  const int64_t room = images.size(2) - side;
  if (!generator) return images.slice(2, room / 2, room / 2 + side).slice(3, room / 2, room / 2 + side);
  const auto draws = torch::rand({images.size(0), 3}, *generator, torch::kFloat64);
  const auto d = draws.accessor<double, 2>();
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < images.size(0); ++i) {
    const auto top = static_cast<int64_t>(d[i][0] * static_cast<double>(room + 1));
    const auto left = static_cast<int64_t>(d[i][1] * static_cast<double>(room + 1));
    auto crop = images[i].slice(1, top, top + side).slice(2, left, left + side);
    out.push_back(d[i][2] < 0.5 ? crop.flip({2}) : crop);
  }
  return torch::stack(out);
}

}  // namespace

DataModule unpaired_images(const UnpairedImagesOptions& o) {
  if (!can_read_images()) throw std::runtime_error("image folders need OpenCV, which this build was configured without");
  const auto& root = o.root();
  const int64_t side = o.image_size(), load = o.load_size() > 0 ? o.load_size() : side * 286 / 256;
  if (load < side) throw std::invalid_argument("unpaired images: load size " + std::to_string(load) + " is below the crop " + std::to_string(side));
  const auto train_A = read_domain(root / "trainA", load, o.limit_train());
  const auto train_B = read_domain(root / "trainB", load, o.limit_train());
  std::error_code ec;
  torch::Tensor test_A, test_B;
  if (fs::is_directory(root / "testA", ec) && fs::is_directory(root / "testB", ec)) {
    test_A = read_domain(root / "testA", load, o.limit_val());
    test_B = read_domain(root / "testB", load, o.limit_val());
  } else {
    logging::info(root.string() + ": no testA/ and testB/; validating on the first training images");
    test_A = train_A.slice(0, 0, 8);
    test_B = train_B.slice(0, 0, 8);
  }
  DataModule dm;
  dm.name = "unpaired";
  dm.class_names = {"A", "B"};
  const auto b_index = torch::arange(test_A.size(0)).remainder(test_B.size(0));
  dm.val = {crops(test_A, side, nullptr), crops(test_B.index_select(0, b_index), side, nullptr)};
  dm.train_for_epoch = [train_A, train_B, side](int64_t epoch, int64_t, uint64_t seed) {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ULL + static_cast<uint64_t>(epoch) + 7);
    const auto order = torch::randperm(train_A.size(0), generator, torch::TensorOptions().dtype(torch::kInt64));
    const auto pick = torch::randint(train_B.size(0), {train_A.size(0)}, generator, torch::kInt64);
    return TensorDataset{crops(train_A.index_select(0, order), side, &generator),
                         crops(train_B.index_select(0, pick), side, &generator)};
  };
  dm.train = dm.train_for_epoch(0, 1, 0);
  return dm;
}

void write_unpaired_classes(const fs::path& root, const DataModule& labelled, int64_t label_A, int64_t label_B,
                            int64_t n_train, int64_t n_test) {
#ifdef D2L_HAVE_OPENCV
  const fs::path tmp = root.string() + ".tmp";
  fs::remove_all(tmp);
  const std::vector<std::tuple<std::string, const TensorDataset*, int64_t>> splits{{"train", &labelled.train, n_train},
                                                                                   {"test", &labelled.val, n_test}};
  for (const auto& [split, source, count] : splits)
    for (const auto& [domain, label] : {std::pair<std::string, int64_t>{"A", label_A}, {"B", label_B}}) {
      const auto dir = tmp / (split + domain);
      fs::create_directories(dir);
      const auto picked = (source->targets == label).nonzero().flatten().slice(0, 0, count);
      for (int64_t i = 0; i < picked.size(0); ++i) {
        auto image = source->inputs[picked[i].item<int64_t>()];
        if (image.dim() == 3) image = image.flip(0).permute({1, 2, 0});  // [C, H, W] RGB -> [H, W, C] BGR
        image = image.contiguous();
        const cv::Mat mat(static_cast<int>(image.size(0)), static_cast<int>(image.size(1)),
                          image.dim() == 3 ? CV_8UC3 : CV_8UC1, image.data_ptr<uint8_t>());
        const auto file = dir / (std::to_string(i) + ".png");
        if (!cv::imwrite(file.string(), mat)) throw std::runtime_error(file.string() + ": cannot write");
      }
    }
  fs::rename(tmp, root);  // whole, or not at all
#else
  (void)labelled, (void)label_A, (void)label_B, (void)n_train, (void)n_test;
  throw std::runtime_error(root.string() + ": writing images needs OpenCV, which this build was configured without");
#endif
}

}  // namespace d2l::data
